package promote

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/rest"
)

// fixedGetter is a control-plane getter with a fixed configuration.
type fixedGetter struct {
	genericclioptions.RESTClientGetter
	cfg *rest.Config
}

func (g fixedGetter) ToRESTConfig() (*rest.Config, error) { return rest.CopyConfig(g.cfg), nil }

// TestMemberFactory checks that the member factory keeps the caller's credentials
// and sends discovery and reads to the member's proxy path only.
func TestMemberFactory(t *testing.T) {
	const prefix = "/base/apis/cluster.karmada.io/v1alpha1/clusters/member3/proxy"
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer secret" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		path, ok := strings.CutPrefix(r.URL.Path, prefix)
		if !ok {
			http.NotFound(w, r)
			return
		}
		var body any
		switch path {
		case "/api":
			body = metav1.APIVersions{TypeMeta: metav1.TypeMeta{Kind: "APIVersions"}, Versions: []string{"v1"}}
		case "/apis":
			body = metav1.APIGroupList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"}}
		case "/api/v1":
			body = metav1.APIResourceList{TypeMeta: metav1.TypeMeta{Kind: "APIResourceList"}, GroupVersion: "v1",
				APIResources: []metav1.APIResource{{Name: "configmaps", SingularName: "configmap", ShortNames: []string{"cm"},
					Namespaced: true, Kind: "ConfigMap", Verbs: []string{"get"}}}}
		default:
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(body)
	}))
	defer srv.Close()

	f := NewMemberFactory(fixedGetter{cfg: &rest.Config{Host: srv.URL + "/base/", BearerToken: "secret"}}, "member3")
	cfg, err := f.ToRESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	if want := srv.URL + prefix; cfg.Host != want || cfg.BearerToken != "secret" {
		t.Errorf("member config host %q token %q, want %q with the caller's token", cfg.Host, cfg.BearerToken, want)
	}
	m, err := f.ToRESTMapper()
	if err != nil {
		t.Fatal(err)
	}
	gvk, err := m.KindFor(schema.GroupVersionResource{Resource: "cm"})
	if err != nil {
		t.Fatalf("resolving a short name through the member's discovery: %v", err)
	}
	if gvk.Kind != "ConfigMap" {
		t.Errorf("cm resolves to %v", gvk)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, p := range paths {
		if !strings.HasPrefix(p, prefix) {
			t.Errorf("request to %s left the member's proxy path", p)
		}
	}
}
