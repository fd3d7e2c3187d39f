package apiresources

import (
	"cmp"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Resource is an API resource as one or more clusters serve it.
type Resource struct {
	metav1.APIResource
	// Clusters serve the resource, in the order they were added.
	Clusters []string
}

// APIVersion is group/version, or version for the core group.
func (r *Resource) APIVersion() string {
	return schema.GroupVersion{Group: r.Group, Version: r.Version}.String()
}

// FullName is resource.group, or resource for the core group.
func (r *Resource) FullName() string {
	if r.Group == "" {
		return r.Name
	}
	return r.Name + "." + r.Group
}

// Merged merges the discovery of several clusters by group, version and
// resource name. Short names, verbs and categories are the union, in the order
// first seen.
type Merged struct {
	byKey map[schema.GroupVersionResource]*Resource
}

// Add adds one cluster's resources; subresources and resources without verbs
// are left out, as kubectl api-resources does.
func (m *Merged) Add(cluster string, lists []*metav1.APIResourceList) {
	if m.byKey == nil {
		m.byKey = map[schema.GroupVersionResource]*Resource{}
	}
	for _, list := range lists {
		gv, err := schema.ParseGroupVersion(list.GroupVersion)
		if err != nil {
			continue
		}
		for _, res := range list.APIResources {
			if len(res.Verbs) == 0 || strings.Contains(res.Name, "/") {
				continue
			}
			key := gv.WithResource(res.Name)
			r, ok := m.byKey[key]
			if !ok {
				r = &Resource{APIResource: res}
				r.Group, r.Version = gv.Group, gv.Version
				r.ShortNames, r.Verbs, r.Categories = nil, nil, nil
				m.byKey[key] = r
			}
			r.ShortNames = union(r.ShortNames, res.ShortNames)
			r.Verbs = union(r.Verbs, res.Verbs)
			r.Categories = union(r.Categories, res.Categories)
			if !slices.Contains(r.Clusters, cluster) {
				r.Clusters = append(r.Clusters, cluster)
			}
		}
	}
}

// Filter returns the resources that keep accepts, sorted by group, name and
// version, with their clusters sorted.
func (m *Merged) Filter(keep func(*Resource) bool) []*Resource {
	var out []*Resource
	for _, r := range m.byKey {
		if keep(r) {
			slices.Sort(r.Clusters)
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b *Resource) int {
		return cmp.Or(cmp.Compare(a.Group, b.Group), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Version, b.Version))
	})
	return out
}

// union appends the items of add that are not in have.
func union(have, add []string) []string {
	for _, s := range add {
		if !slices.Contains(have, s) {
			have = append(have, s)
		}
	}
	return have
}
