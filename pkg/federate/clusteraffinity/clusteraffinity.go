// Package clusteraffinity decides which member clusters a ClusterAffinity selects
// (by names, exclusions, labels and provider/region/zone fields). The scheduler
// and the override policies share it, so one affinity always means the same
// clusters.
package clusteraffinity

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
)

// Matcher is a ClusterAffinity with its selectors parsed once.
type Matcher struct {
	names   []string
	exclude []string
	labels  labels.Selector // nil matches everything
	fields  []corev1.NodeSelectorRequirement
}

// New parses an affinity; nil matches every cluster.
func New(a *policyv1alpha1.ClusterAffinity) (*Matcher, error) {
	m := &Matcher{}
	if a == nil {
		return m, nil
	}
	m.names, m.exclude = a.ClusterNames, a.ExcludeClusters
	// LabelSelectorAsSelector turns nil into Nothing; the API says nil matches all.
	if a.LabelSelector != nil {
		s, err := metav1.LabelSelectorAsSelector(a.LabelSelector)
		if err != nil {
			return nil, fmt.Errorf("labelSelector: %w", err)
		}
		m.labels = s
	}
	if a.FieldSelector != nil {
		for i, r := range a.FieldSelector.MatchExpressions {
			if err := validateFieldRequirement(r); err != nil {
				return nil, fmt.Errorf("fieldSelector.matchExpressions[%d]: %w", i, err)
			}
		}
		m.fields = a.FieldSelector.MatchExpressions
	}
	return m, nil
}

func validateFieldRequirement(r corev1.NodeSelectorRequirement) error {
	switch r.Key {
	case policyv1alpha1.ProviderField, policyv1alpha1.RegionField, policyv1alpha1.ZoneField:
	default:
		return fmt.Errorf("unsupported key %q: want %q, %q or %q", r.Key,
			policyv1alpha1.ProviderField, policyv1alpha1.RegionField, policyv1alpha1.ZoneField)
	}
	switch r.Operator {
	case corev1.NodeSelectorOpIn, corev1.NodeSelectorOpNotIn:
		if len(r.Values) == 0 {
			return fmt.Errorf("operator %q on %q needs values", r.Operator, r.Key)
		}
	case corev1.NodeSelectorOpExists, corev1.NodeSelectorOpDoesNotExist:
		if len(r.Values) != 0 {
			return fmt.Errorf("operator %q on %q takes no values", r.Operator, r.Key)
		}
	default:
		return fmt.Errorf("unsupported operator %q: want %q, %q, %q or %q", r.Operator,
			corev1.NodeSelectorOpIn, corev1.NodeSelectorOpNotIn, corev1.NodeSelectorOpExists, corev1.NodeSelectorOpDoesNotExist)
	}
	return nil
}

// Matches tells whether the cluster is selected: not excluded, listed when names
// are given, and matching the label and field selectors.
func (m *Matcher) Matches(c *clusterv1alpha1.Cluster) bool {
	if slices.Contains(m.exclude, c.Name) {
		return false
	}
	if len(m.names) > 0 && !slices.Contains(m.names, c.Name) {
		return false
	}
	if m.labels != nil && !m.labels.Matches(labels.Set(c.Labels)) {
		return false
	}
	for _, r := range m.fields {
		if !fieldMatches(r, FieldValues(c, r.Key)) {
			return false
		}
	}
	return true
}

// fieldMatches evaluates one requirement against the values of a cluster field.
// A field may have several values (a cluster spanning zones): In needs one of
// them listed, NotIn none of them, Exists at least one value.
func fieldMatches(r corev1.NodeSelectorRequirement, values []string) bool {
	listed := slices.ContainsFunc(values, func(v string) bool { return slices.Contains(r.Values, v) })
	switch r.Operator {
	case corev1.NodeSelectorOpIn:
		return listed
	case corev1.NodeSelectorOpNotIn:
		return !listed
	case corev1.NodeSelectorOpExists:
		return len(values) > 0
	case corev1.NodeSelectorOpDoesNotExist:
		return len(values) == 0
	}
	return false
}

// FieldValues returns the values of a cluster field usable in field selectors
// and spread constraints; "zone" covers both spec.zone and spec.zones.
func FieldValues(c *clusterv1alpha1.Cluster, key string) []string {
	var v []string
	switch key {
	case policyv1alpha1.ProviderField:
		v = []string{c.Spec.Provider}
	case policyv1alpha1.RegionField:
		v = []string{c.Spec.Region}
	case policyv1alpha1.ZoneField:
		v = append([]string{c.Spec.Zone}, c.Spec.Zones...)
	}
	v = slices.DeleteFunc(v, func(s string) bool { return s == "" })
	slices.Sort(v)
	return slices.Compact(v)
}
