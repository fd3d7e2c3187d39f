package controlplanetest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
)

// serve answers a request through the member's cluster proxy.
func (m *member) serve(w http.ResponseWriter, r *http.Request, path string) {
	if m.Fail != "" {
		writeStatus(w, fail("%s", m.Fail))
		return
	}
	if serveDiscovery(w, path, m.Resources) {
		return
	}
	req, ok := parse(path)
	if !ok {
		http.NotFound(w, r)
		return
	}
	kind, ok := kindOf(m.Resources, req.gv, req.resource)
	if !ok {
		writeStatus(w, apierrors.NewNotFound(schema.GroupResource{Group: req.gv.Group, Resource: req.resource}, req.name))
		return
	}
	objs, err := match(m.objects, req, kind, r)
	if err != nil {
		writeStatus(w, err)
		return
	}
	gr := schema.GroupResource{Group: req.gv.Group, Resource: req.resource}
	switch {
	case req.name == "":
		writeJSON(w, http.StatusOK, list(req.gv, kind, objs))
	case len(objs) == 0:
		writeStatus(w, apierrors.NewNotFound(gr, req.name))
	case req.subresource == "log":
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "%s %s/%s %s: hello\n", m.Name, req.namespace, req.name, r.URL.Query().Get("container"))
	case req.subresource == "":
		writeJSON(w, http.StatusOK, objs[0].Object)
	default:
		writeStatus(w, apierrors.NewBadRequest("subresource "+req.subresource+" is not faked"))
	}
}

// hit is an object found through the global proxy, with its cluster.
type hit struct {
	cluster string
	obj     *unstructured.Unstructured
}

// serveGlobal answers a request through the global proxy, or the search cache.
func (s *Server) serveGlobal(w http.ResponseWriter, r *http.Request, path string, search bool) {
	var union []metav1.APIResourceList
	for _, m := range s.members {
		for _, l := range m.Resources {
			if !slices.ContainsFunc(union, func(u metav1.APIResourceList) bool { return u.GroupVersion == l.GroupVersion }) {
				union = append(union, l)
			}
		}
	}
	if serveDiscovery(w, path, union) {
		return
	}
	req, ok := parse(path)
	if !ok {
		http.NotFound(w, r)
		return
	}
	query := r.URL.Query()
	var candidates []*member
	if v := query.Get("clusters"); v != "" {
		for _, name := range strings.Split(v, ",") {
			m := s.member(name)
			if m == nil {
				writeStatus(w, apierrors.NewNotFound(clusterv1alpha1.Resource("clusters"), name))
				return
			}
			candidates = append(candidates, m)
		}
	} else {
		for i := range s.members {
			if !s.members[i].NotReady {
				candidates = append(candidates, &s.members[i])
			}
		}
	}
	gr := schema.GroupResource{Group: req.gv.Group, Resource: req.resource}
	if slices.Contains(s.forbidden, req.resource) {
		writeStatus(w, apierrors.NewForbidden(gr, "", fmt.Errorf("User \"alice\" cannot list resource %q in API group %q", req.resource, req.gv.Group)))
		return
	}
	kind, ok := kindOf(union, req.gv, req.resource)
	if !ok {
		writeStatus(w, apierrors.NewNotFound(gr, req.name))
		return
	}
	var hits []hit
	failed := 0
	for _, m := range candidates {
		if m.Fail != "" {
			w.Header().Add("Warning", fmt.Sprintf("299 - %q", "cluster "+m.Name+": "+m.Fail))
			failed++
			continue
		}
		objs, err := match(m.objects, req, kind, r)
		if err != nil {
			writeStatus(w, err)
			return
		}
		for _, obj := range objs {
			obj = obj.DeepCopy()
			ann := obj.GetAnnotations()
			if ann == nil {
				ann = map[string]string{}
			}
			ann[clusterv1alpha1.CacheSourceAnnotationKey] = m.Name
			obj.SetAnnotations(ann)
			hits = append(hits, hit{cluster: m.Name, obj: obj})
		}
	}
	if failed > 0 && failed == len(candidates) {
		writeStatus(w, fail("every cluster failed"))
		return
	}
	if q := query.Get("q"); search && q != "" {
		hits = slices.DeleteFunc(hits, func(h hit) bool { return !subsequence(strings.ToLower(q), strings.ToLower(h.obj.GetName())) })
	}
	slices.SortFunc(hits, func(a, b hit) int {
		return cmp.Or(cmp.Compare(a.cluster, b.cluster), cmp.Compare(a.obj.GetNamespace(), b.obj.GetNamespace()),
			cmp.Compare(a.obj.GetName(), b.obj.GetName()))
	})
	asTable := strings.Contains(r.Header.Get("Accept"), "as=Table")
	switch {
	case req.name == "" && (query.Get("watch") == "true" || query.Get("watch") == "1"):
		// One MODIFIED event for each object, then the stream ends.
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		for _, h := range hits {
			var obj any = h.obj.Object
			if asTable {
				obj = table(req.resource, []hit{h})
			}
			_ = enc.Encode(map[string]any{"type": "MODIFIED", "object": obj})
		}
	case req.name == "" && asTable:
		writeJSON(w, http.StatusOK, table(req.resource, hits))
	case req.name == "":
		objs := make([]*unstructured.Unstructured, len(hits))
		for i, h := range hits {
			objs[i] = h.obj
		}
		writeJSON(w, http.StatusOK, list(req.gv, kind, objs))
	case len(hits) == 0:
		writeStatus(w, apierrors.NewNotFound(gr, req.name))
	case len(hits) > 1:
		writeStatus(w, apierrors.NewConflict(gr, req.name, fmt.Errorf("it exists in several clusters")))
	default:
		writeJSON(w, http.StatusOK, hits[0].obj.Object)
	}
}

// match returns the objects of kind in req's group version that the request
// selects: by namespace, name, field selector (metadata.name and
// metadata.namespace) and label selector.
func match(objs []*unstructured.Unstructured, req request, kind string, r *http.Request) ([]*unstructured.Unstructured, *apierrors.StatusError) {
	query := r.URL.Query()
	fieldSel, err := fields.ParseSelector(query.Get("fieldSelector"))
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	labelSel, err := labels.Parse(query.Get("labelSelector"))
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	var out []*unstructured.Unstructured
	for _, obj := range objs {
		switch {
		case obj.GetAPIVersion() != req.gv.String() || obj.GetKind() != kind:
		case req.namespace != "" && obj.GetNamespace() != req.namespace:
		case req.name != "" && obj.GetName() != req.name:
		case !fieldSel.Matches(fields.Set{"metadata.name": obj.GetName(), "metadata.namespace": obj.GetNamespace()}):
		case !labelSel.Matches(labels.Set(obj.GetLabels())):
		default:
			out = append(out, obj)
		}
	}
	return out, nil
}

func list(gv schema.GroupVersion, kind string, objs []*unstructured.Unstructured) map[string]any {
	items := make([]any, len(objs))
	for i, obj := range objs {
		items[i] = obj.Object
	}
	return map[string]any{
		"apiVersion": gv.String(),
		"kind":       kind + "List",
		"metadata":   map[string]any{"resourceVersion": "mc-1"},
		"items":      items,
	}
}

// table renders the hits as the global proxy's Table: Cluster first; pods also
// show their phase and, in wide output, their node.
func table(resource string, hits []hit) *metav1.Table {
	t := &metav1.Table{
		TypeMeta: metav1.TypeMeta{APIVersion: "meta.k8s.io/v1", Kind: "Table"},
		ListMeta: metav1.ListMeta{ResourceVersion: "mc-1"},
		ColumnDefinitions: []metav1.TableColumnDefinition{
			{Name: "Cluster", Type: "string", Description: "The member cluster the object is in."},
			{Name: "Name", Type: "string", Format: "name"},
		},
	}
	if resource == "pods" {
		t.ColumnDefinitions = append(t.ColumnDefinitions,
			metav1.TableColumnDefinition{Name: "Status", Type: "string"},
			metav1.TableColumnDefinition{Name: "Node", Type: "string", Priority: 1})
	}
	for _, h := range hits {
		cells := []any{h.cluster, h.obj.GetName()}
		if resource == "pods" {
			phase, _, _ := unstructured.NestedString(h.obj.Object, "status", "phase")
			node, _, _ := unstructured.NestedString(h.obj.Object, "spec", "nodeName")
			cells = append(cells, phase, node)
		}
		meta := &metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{APIVersion: "meta.k8s.io/v1", Kind: "PartialObjectMetadata"}}
		meta.Namespace, meta.Name, meta.Labels, meta.Annotations = h.obj.GetNamespace(), h.obj.GetName(), h.obj.GetLabels(), h.obj.GetAnnotations()
		raw, _ := json.Marshal(meta)
		t.Rows = append(t.Rows, metav1.TableRow{Cells: cells, Object: runtime.RawExtension{Raw: raw}})
	}
	return t
}

// subsequence reports whether every character of q appears in s, in order.
func subsequence(q, s string) bool {
	for _, c := range q {
		i := strings.IndexRune(s, c)
		if i < 0 {
			return false
		}
		s = s[i+len(string(c)):]
	}
	return true
}
