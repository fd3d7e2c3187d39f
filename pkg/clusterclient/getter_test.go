package clusterclient

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"
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

// recorder is an API server that answers discovery and one list below any
// prefix, and records what it was asked.
type recorder struct {
	mu       sync.Mutex
	requests []*http.Request
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec.mu.Lock()
	rec.requests = append(rec.requests, r)
	rec.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer secret" {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	var body any
	path := r.URL.Path
	switch {
	case strings.HasSuffix(path, "/proxy/api") || strings.HasSuffix(path, "/cache/api"):
		body = metav1.APIVersions{TypeMeta: metav1.TypeMeta{Kind: "APIVersions"}, Versions: []string{"v1"}}
	case strings.HasSuffix(path, "/apis"):
		body = metav1.APIGroupList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"}}
	case strings.HasSuffix(path, "/api/v1"):
		body = metav1.APIResourceList{TypeMeta: metav1.TypeMeta{Kind: "APIResourceList"}, GroupVersion: "v1",
			APIResources: []metav1.APIResource{{Name: "configmaps", SingularName: "configmap", ShortNames: []string{"cm"},
				Namespaced: true, Kind: "ConfigMap", Verbs: []string{"get", "list"}}}}
	case strings.HasSuffix(path, "/api/v1/configmaps"):
		w.Header().Add("Warning", `299 - "cluster member3: unreachable"`)
		body = map[string]any{"apiVersion": "v1", "kind": "ConfigMapList", "metadata": map[string]any{}, "items": []any{}}
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

func (rec *recorder) seen() []*http.Request {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return slices.Clone(rec.requests)
}

func TestGetter(t *testing.T) {
	tests := []struct {
		name       string
		getter     func(base genericclioptions.RESTClientGetter, opts Options) *Getter
		query      url.Values
		wantPrefix string
	}{
		{name: "member", getter: func(b genericclioptions.RESTClientGetter, o Options) *Getter { return Member(b, "member3", o) },
			wantPrefix: "/base/apis/cluster.karmada.io/v1alpha1/clusters/member3/proxy"},
		{name: "global proxy with clusters", getter: GlobalProxy, query: url.Values{ClustersParam: {"member1,member2"}},
			wantPrefix: "/base/apis/search.karmada.io/v1alpha1/proxying/karmada/proxy"},
		{name: "search", getter: Search, query: url.Values{SearchParam: {"chk"}},
			wantPrefix: "/base/apis/search.karmada.io/v1alpha1/search/cache"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			srv := httptest.NewServer(rec)
			defer srv.Close()
			var warnings strings.Builder
			warn := NewWarningRecorder(&warnings)
			g := tt.getter(fixedGetter{cfg: &rest.Config{Host: srv.URL + "/base/", BearerToken: "secret"}},
				Options{Query: tt.query, Warnings: warn})

			cfg, err := g.ToRESTConfig()
			if err != nil {
				t.Fatal(err)
			}
			if want := srv.URL + tt.wantPrefix; cfg.Host != want || cfg.BearerToken != "secret" {
				t.Errorf("config host %q token %q, want %q with the caller's token", cfg.Host, cfg.BearerToken, want)
			}
			m, err := g.ToRESTMapper()
			if err != nil {
				t.Fatal(err)
			}
			mapping, err := m.RESTMapping(schema.GroupKind{Kind: "ConfigMap"})
			if err != nil {
				t.Fatal(err)
			}
			if gvr, err := m.ResourceFor(schema.GroupVersionResource{Resource: "cm"}); err != nil || gvr.Resource != "configmaps" {
				t.Errorf("short name cm resolves to %v, %v", gvr, err)
			}
			f := NewFactory(g)
			client, err := f.UnstructuredClientForMapping(mapping)
			if err != nil {
				t.Fatal(err)
			}
			if err := client.Get().Resource("configmaps").Do(context.Background()).Error(); err != nil {
				t.Fatal(err)
			}

			for _, r := range rec.seen() {
				if !strings.HasPrefix(r.URL.Path, tt.wantPrefix+"/") {
					t.Errorf("request to %s left the path %s", r.URL.Path, tt.wantPrefix)
				}
				discovery := !strings.HasSuffix(r.URL.Path, "/configmaps")
				for k, v := range tt.query {
					got, ok := r.URL.Query()[k]
					if discovery && ok {
						t.Errorf("discovery request %s carries %s", r.URL, k)
					}
					if !discovery && !slices.Equal(got, v) {
						t.Errorf("request %s: %s = %q, want %q", r.URL, k, got, v)
					}
				}
			}
			if diff := cmp.Diff([]string{"member3"}, warn.Failed()); diff != "" {
				t.Errorf("failed clusters (-want +got):\n%s", diff)
			}
			if got, want := warnings.String(), "Warning: cluster member3: unreachable\n"; got != want {
				t.Errorf("warnings printed %q, want %q", got, want)
			}
		})
	}
}

// TestDiskDiscoveryIsPerPath checks that two paths of one control plane keep
// their discovery documents apart on disk.
func TestDiskDiscoveryIsPerPath(t *testing.T) {
	rec := &recorder{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	root := t.TempDir()
	base := fixedGetter{cfg: &rest.Config{Host: srv.URL, BearerToken: "secret"}}
	for _, g := range []*Getter{Member(base, "member1", Options{CacheDir: root}), GlobalProxy(base, Options{CacheDir: root})} {
		d, err := g.ToDiscoveryClient()
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := d.ServerGroupsAndResources(); err != nil {
			t.Fatal(err)
		}
		cfg, _ := g.ToRESTConfig()
		if _, err := os.Stat(filepath.Join(DiscoveryCacheDir(root, cfg.Host), "v1", "serverresources.json")); err != nil {
			t.Errorf("%s: discovery not cached in its own directory: %v", g.Path(), err)
		}
	}
	entries, err := os.ReadDir(filepath.Join(root, "discovery"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Errorf("want one discovery cache directory per path, got %d", len(entries))
	}
}

func TestDiscoveryCacheDir(t *testing.T) {
	tests := []struct {
		host string
		want string
	}{
		{host: "https://cp.example:6443", want: "/c/discovery/cp.example_6443"},
		{host: "https://cp.example:6443/apis/cluster.karmada.io/v1alpha1/clusters/m1/proxy",
			want: "/c/discovery/cp.example_6443_apis_cluster.karmada.io_v1alpha1_clusters_m1_proxy"},
		{host: "http://cp.example/apis/search.karmada.io/v1alpha1/proxying/karmada/proxy/",
			want: "/c/discovery/cp.example_apis_search.karmada.io_v1alpha1_proxying_karmada_proxy"},
	}
	for _, tt := range tests {
		if got := DiscoveryCacheDir("/c", tt.host); got != tt.want {
			t.Errorf("DiscoveryCacheDir(%q) = %q, want %q", tt.host, got, tt.want)
		}
	}
}

func TestCacheDir(t *testing.T) {
	t.Setenv("KUBECACHEDIR", "/from/env")
	tests := []struct {
		name  string
		flags func(*pflag.FlagSet)
		want  string
	}{
		{name: "no flag", flags: func(*pflag.FlagSet) {}, want: ""},
		{name: "flag set", flags: func(fs *pflag.FlagSet) { fs.String("cache-dir", "/given", "") }, want: "/given"},
		{name: "flag empty", flags: func(fs *pflag.FlagSet) { fs.String("cache-dir", "", "") }, want: "/from/env"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
			tt.flags(fs)
			if got := CacheDir(fs); got != tt.want {
				t.Errorf("CacheDir() = %q, want %q", got, tt.want)
			}
		})
	}
}
