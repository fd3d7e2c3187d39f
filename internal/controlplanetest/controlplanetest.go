// Package controlplanetest fakes, over plain HTTP, the part of the control plane
// that the kubectl plugin talks to, as docs/global-view.md describes it: the
// Cluster list, the global proxy and the search cache (merged lists sorted by
// cluster, namespace and name, Tables with a Cluster column, the cluster
// annotation, Warning headers for failing clusters), and each member's cluster
// proxy (discovery, objects, logs). It is for unit tests only.
package controlplanetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
)

// Paths of the control plane, as the contract defines them.
const (
	clustersPath = "/apis/cluster.karmada.io/v1alpha1/clusters"
	globalPath   = "/apis/search.karmada.io/v1alpha1/proxying/karmada/proxy"
	searchPath   = "/apis/search.karmada.io/v1alpha1/search/cache"
)

// Member is one fake member cluster.
type Member struct {
	Name string
	// NotReady clears the Cluster's Ready condition.
	NotReady bool
	// Fail makes the member fail with this reason: the global proxy leaves it
	// out with a Warning naming it, and its cluster proxy answers 503.
	Fail string
	// Objects are what the member serves; each needs apiVersion and kind.
	Objects []runtime.Object
	// Resources is the member's discovery; nil serves DefaultResources.
	Resources []metav1.APIResourceList
}

// Server is the fake control plane.
type Server struct {
	// URL is the control plane's address.
	URL string

	members   []member
	forbidden []string

	mu       sync.Mutex
	requests []string
}

type member struct {
	Member
	objects []*unstructured.Unstructured
}

// New starts a fake control plane with the members; it stops with the test.
func New(t testing.TB, members ...Member) *Server {
	t.Helper()
	s := &Server{}
	for _, m := range members {
		mm := member{Member: m}
		if mm.Resources == nil {
			mm.Resources = DefaultResources()
		}
		for _, obj := range m.Objects {
			u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
			if err != nil {
				t.Fatal(err)
			}
			mm.objects = append(mm.objects, &unstructured.Unstructured{Object: u})
		}
		s.members = append(s.members, mm)
	}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Forbid makes lists of the resource (e.g. "pods") through the global proxy and
// the search answer 403, as when every cluster forbids them.
func (s *Server) Forbid(resource string) { s.forbidden = append(s.forbidden, resource) }

// Requests returns "METHOD PATH?QUERY" of every request so far, in order.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Factory returns a kubectl factory for the control plane, with namespace as the
// default namespace and no kubeconfig of the environment.
func (s *Server) Factory(t testing.TB, namespace string) cmdutil.Factory {
	return cmdutil.NewFactory(s.ConfigFlags(t, namespace))
}

// ConfigFlags returns client flags for the control plane, as Factory's.
func (s *Server) ConfigFlags(t testing.TB, namespace string) *genericclioptions.ConfigFlags {
	t.Helper()
	kubeconfig := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(kubeconfig, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig = &kubeconfig
	flags.APIServer = &s.URL
	flags.Namespace = &namespace
	return flags
}

// DefaultResources is the discovery of a plain member: pods, configmaps, events
// and namespaces in v1, deployments in apps/v1.
func DefaultResources() []metav1.APIResourceList {
	verbs := metav1.Verbs{"create", "delete", "get", "list", "patch", "update", "watch"}
	return []metav1.APIResourceList{
		{GroupVersion: "v1", APIResources: []metav1.APIResource{
			{Name: "configmaps", SingularName: "configmap", Namespaced: true, Kind: "ConfigMap", ShortNames: []string{"cm"}, Verbs: verbs},
			{Name: "events", SingularName: "event", Namespaced: true, Kind: "Event", ShortNames: []string{"ev"}, Verbs: verbs},
			{Name: "namespaces", SingularName: "namespace", Kind: "Namespace", ShortNames: []string{"ns"}, Verbs: verbs},
			{Name: "pods", SingularName: "pod", Namespaced: true, Kind: "Pod", ShortNames: []string{"po"}, Verbs: verbs, Categories: []string{"all"}},
			{Name: "pods/log", Namespaced: true, Kind: "Pod", Verbs: metav1.Verbs{"get"}},
		}},
		{GroupVersion: "apps/v1", APIResources: []metav1.APIResource{
			{Name: "deployments", SingularName: "deployment", Namespaced: true, Kind: "Deployment", ShortNames: []string{"deploy"}, Verbs: verbs, Categories: []string{"all"}},
		}},
	}
}

// Pod returns a running pod with one container, "app", on node.
func Pod(namespace, name, node string) *corev1.Pod {
	return &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, Labels: map[string]string{"app": name}},
		Spec:       corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "app", Image: "registry.example/app:1"}}},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning},
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r.Method+" "+r.URL.RequestURI())
	s.mu.Unlock()

	path := r.URL.Path
	switch {
	case path == clustersPath:
		writeJSON(w, http.StatusOK, s.clusterList())
	case strings.HasPrefix(path, clustersPath+"/"):
		name, rest, _ := strings.Cut(strings.TrimPrefix(path, clustersPath+"/"), "/")
		sub, rest, _ := strings.Cut(rest, "/")
		m := s.member(name)
		if m == nil || sub != "proxy" {
			writeStatus(w, apierrors.NewNotFound(clusterv1alpha1.Resource("clusters"), name))
			return
		}
		m.serve(w, r, "/"+rest)
	case strings.HasPrefix(path, globalPath+"/"):
		s.serveGlobal(w, r, strings.TrimPrefix(path, globalPath), false)
	case strings.HasPrefix(path, searchPath+"/"):
		s.serveGlobal(w, r, strings.TrimPrefix(path, searchPath), true)
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) member(name string) *member {
	for i := range s.members {
		if s.members[i].Name == name {
			return &s.members[i]
		}
	}
	return nil
}

func (s *Server) clusterList() *clusterv1alpha1.ClusterList {
	list := &clusterv1alpha1.ClusterList{TypeMeta: metav1.TypeMeta{APIVersion: "cluster.karmada.io/v1alpha1", Kind: "ClusterList"}}
	for _, m := range s.members {
		status := metav1.ConditionTrue
		if m.NotReady {
			status = metav1.ConditionFalse
		}
		list.Items = append(list.Items, clusterv1alpha1.Cluster{
			ObjectMeta: metav1.ObjectMeta{Name: m.Name},
			Status: clusterv1alpha1.ClusterStatus{Conditions: []metav1.Condition{
				{Type: clusterv1alpha1.ClusterConditionReady, Status: status, Reason: "Fake"},
			}},
		})
	}
	return list
}

// request is a parsed Kubernetes API resource path.
type request struct {
	gv          schema.GroupVersion
	namespace   string
	resource    string
	name        string
	subresource string
}

// parse splits a Kubernetes API path; ok is false for discovery paths.
func parse(path string) (request, bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	var req request
	switch {
	case len(segs) >= 3 && segs[0] == "api":
		req.gv, segs = schema.GroupVersion{Version: segs[1]}, segs[2:]
	case len(segs) >= 4 && segs[0] == "apis":
		req.gv, segs = schema.GroupVersion{Group: segs[1], Version: segs[2]}, segs[3:]
	default:
		return req, false
	}
	if len(segs) >= 3 && segs[0] == "namespaces" {
		req.namespace, segs = segs[1], segs[2:]
	}
	req.resource = segs[0]
	if len(segs) > 1 {
		req.name = segs[1]
	}
	if len(segs) > 2 {
		req.subresource = segs[2]
	}
	return req, true
}

// serveDiscovery answers /api, /apis and the group versions from lists.
func serveDiscovery(w http.ResponseWriter, path string, lists []metav1.APIResourceList) bool {
	switch path {
	case "/api":
		writeJSON(w, http.StatusOK, &metav1.APIVersions{TypeMeta: metav1.TypeMeta{Kind: "APIVersions"}, Versions: []string{"v1"}})
		return true
	case "/apis":
		groups := &metav1.APIGroupList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"}}
		for _, l := range lists {
			gv, _ := schema.ParseGroupVersion(l.GroupVersion)
			if gv.Group == "" {
				continue
			}
			v := metav1.GroupVersionForDiscovery{GroupVersion: l.GroupVersion, Version: gv.Version}
			groups.Groups = append(groups.Groups, metav1.APIGroup{Name: gv.Group, Versions: []metav1.GroupVersionForDiscovery{v}, PreferredVersion: v})
		}
		writeJSON(w, http.StatusOK, groups)
		return true
	}
	for _, l := range lists {
		if path == "/api/"+l.GroupVersion || path == "/apis/"+l.GroupVersion {
			l.Kind, l.APIVersion = "APIResourceList", "v1"
			writeJSON(w, http.StatusOK, &l)
			return true
		}
	}
	return false
}

// kindOf returns the kind that lists serve as resource in gv.
func kindOf(lists []metav1.APIResourceList, gv schema.GroupVersion, resource string) (string, bool) {
	for _, l := range lists {
		if l.GroupVersion != gv.String() {
			continue
		}
		for _, r := range l.APIResources {
			if r.Name == resource {
				return r.Kind, true
			}
		}
	}
	return "", false
}

func writeJSON(w http.ResponseWriter, code int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body)
}

func writeStatus(w http.ResponseWriter, err *apierrors.StatusError) {
	st := err.Status()
	st.Kind, st.APIVersion = "Status", "v1"
	writeJSON(w, int(st.Code), &st)
}

func fail(format string, args ...any) *apierrors.StatusError {
	return apierrors.NewServiceUnavailable(fmt.Sprintf(format, args...))
}

// Run executes the command newCmd builds over Factory(t, "default") with args,
// as the plugin's root runs it (errors returned, not printed), and returns what
// it wrote to standard output and standard error.
func (s *Server) Run(t testing.TB, newCmd func(cmdutil.Factory, genericiooptions.IOStreams) *cobra.Command, args ...string) (out, errOut *bytes.Buffer, err error) {
	t.Helper()
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	cmd := newCmd(s.Factory(t, "default"), streams)
	cmd.SetArgs(append([]string{}, args...))
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	return out, errOut, cmd.Execute()
}
