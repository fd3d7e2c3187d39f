package apiserver_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	openapinamer "k8s.io/apiserver/pkg/endpoints/openapi"
	genericapiserver "k8s.io/apiserver/pkg/server"
	restclient "k8s.io/client-go/rest"
	basecompatibility "k8s.io/component-base/compatibility"

	"github.com/fleetplane/fleetplane/pkg/apis/openapi"
	searchv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/search/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/apiserver"
	"github.com/fleetplane/fleetplane/pkg/cmd/proxyserver"
)

const registries = "/apis/search.karmada.io/v1alpha1/resourceregistries"

// newServer serves the aggregated API from a throwaway etcd, with the storage
// options of cmd/proxy and without authentication or authorization.
func newServer(t *testing.T) (*httptest.Server, *apiserver.Server) {
	t.Helper()
	etcd := startEtcd(t)
	o := proxyserver.NewOptions()
	o.Recommended.Etcd.StorageConfig.Transport.ServerList = []string{etcd}
	o.Recommended.Etcd.EnableWatchCache = false
	cfg := genericapiserver.NewRecommendedConfig(apiserver.Codecs)
	cfg.EffectiveVersion = basecompatibility.NewEffectiveVersionFromString("1.37", "", "")
	cfg.LoopbackClientConfig = &restclient.Config{Host: "https://127.0.0.1:1"}
	cfg.ExternalAddress = "127.0.0.1:443"
	namer := openapinamer.NewDefinitionNamer(apiserver.OpenAPIScheme)
	cfg.OpenAPIConfig = genericapiserver.DefaultOpenAPIConfig(openapi.GetOpenAPIDefinitions, namer)
	cfg.OpenAPIV3Config = genericapiserver.DefaultOpenAPIV3Config(openapi.GetOpenAPIDefinitions, namer)
	if err := o.Recommended.Etcd.ApplyTo(&cfg.Config); err != nil {
		t.Fatal(err)
	}
	server, err := (&apiserver.Config{GenericConfig: cfg}).Complete().New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(server.GenericAPIServer.Destroy)
	ts := httptest.NewServer(server.GenericAPIServer.Handler)
	t.Cleanup(ts.Close)
	return ts, server
}

// call sends body as JSON and decodes the answer into out, when given.
func call(t *testing.T, ts *httptest.Server, method, path string, body any, out any, header ...string) int {
	t.Helper()
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		reader = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, ts.URL+path, reader)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, path, resp.StatusCode, data, err)
		}
	}
	return resp.StatusCode
}

func registry(name string) *searchv1alpha1.ResourceRegistry {
	return &searchv1alpha1.ResourceRegistry{
		TypeMeta:   metav1.TypeMeta{APIVersion: "search.karmada.io/v1alpha1", Kind: "ResourceRegistry"},
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: searchv1alpha1.ResourceRegistrySpec{
			TargetCluster:     searchv1alpha1.ClusterAffinity{ClusterNames: []string{"member1", "member2"}},
			ResourceSelectors: []searchv1alpha1.ResourceSelector{{APIVersion: "apps/v1", Kind: "Deployment"}},
		},
	}
}

// TestResourceRegistries drives resourceregistries and their status through the
// server, stored in etcd: discovery, validation, the status subresource, the
// generation and the table.
func TestResourceRegistries(t *testing.T) {
	ts, server := newServer(t)

	t.Run("discovery", func(t *testing.T) {
		var list metav1.APIResourceList
		if code := call(t, ts, "GET", "/apis/search.karmada.io/v1alpha1", nil, &list); code != http.StatusOK {
			t.Fatalf("discovery: %d", code)
		}
		got := map[string]bool{}
		for _, r := range list.APIResources {
			got[r.Name] = r.Namespaced
		}
		want := map[string]bool{"resourceregistries": false, "resourceregistries/status": false, "proxying": false, "search": false}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("resources (-want +got):\n%s", diff)
		}
	})

	t.Run("invalid registry is 422 with field paths", func(t *testing.T) {
		bad := registry("bad")
		bad.Spec.ResourceSelectors = append(bad.Spec.ResourceSelectors, searchv1alpha1.ResourceSelector{APIVersion: "apps/v1/x", Kind: "Pod"})
		var status metav1.Status
		if code := call(t, ts, "POST", registries, bad, &status); code != http.StatusUnprocessableEntity {
			t.Fatalf("create: %d %+v", code, status)
		}
		if status.Details == nil || len(status.Details.Causes) != 1 || status.Details.Causes[0].Field != "spec.resourceSelectors[1].apiVersion" {
			t.Errorf("causes = %+v, want one on spec.resourceSelectors[1].apiVersion", status.Details)
		}
	})

	var created searchv1alpha1.ResourceRegistry
	t.Run("create drops the status", func(t *testing.T) {
		r := registry("workloads")
		r.Status.Conditions = []metav1.Condition{{Type: "Ready", Status: metav1.ConditionTrue, Reason: "Forged", LastTransitionTime: metav1.Now()}}
		if code := call(t, ts, "POST", registries, r, &created); code != http.StatusCreated {
			t.Fatalf("create: %d", code)
		}
		if created.Generation != 1 || len(created.Status.Conditions) != 0 {
			t.Errorf("created generation %d, status %+v; want 1 and none", created.Generation, created.Status)
		}
	})

	var withStatus searchv1alpha1.ResourceRegistry
	t.Run("status update ignores the spec", func(t *testing.T) {
		r := created.DeepCopy()
		r.Spec.ResourceSelectors = []searchv1alpha1.ResourceSelector{{APIVersion: "v1", Kind: "Secret"}}
		r.Status.Conditions = []metav1.Condition{{Type: "Ready", Status: metav1.ConditionTrue, Reason: "CacheSynced", LastTransitionTime: metav1.Now()}}
		if code := call(t, ts, "PUT", registries+"/workloads/status", r, &withStatus); code != http.StatusOK {
			t.Fatalf("update status: %d", code)
		}
		if diff := cmp.Diff(created.Spec, withStatus.Spec); diff != "" {
			t.Errorf("spec changed through the status (-want +got):\n%s", diff)
		}
		if len(withStatus.Status.Conditions) != 1 || withStatus.Generation != 1 {
			t.Errorf("after status update: generation %d, status %+v", withStatus.Generation, withStatus.Status)
		}
	})

	t.Run("spec update keeps the status and bumps the generation", func(t *testing.T) {
		r := withStatus.DeepCopy()
		r.Spec.ResourceSelectors = append(r.Spec.ResourceSelectors, searchv1alpha1.ResourceSelector{APIVersion: "v1", Kind: "Pod"})
		r.Status = searchv1alpha1.ResourceRegistryStatus{}
		var updated searchv1alpha1.ResourceRegistry
		if code := call(t, ts, "PUT", registries+"/workloads", r, &updated); code != http.StatusOK {
			t.Fatalf("update: %d", code)
		}
		if updated.Generation != 2 || len(updated.Status.Conditions) != 1 || len(updated.Spec.ResourceSelectors) != 2 {
			t.Errorf("after update: generation %d, %d selectors, status %+v", updated.Generation, len(updated.Spec.ResourceSelectors), updated.Status)
		}
	})

	t.Run("table", func(t *testing.T) {
		var table metav1.Table
		accept := "application/json;as=Table;v=v1;g=meta.k8s.io"
		if code := call(t, ts, "GET", registries, nil, &table, "Accept", accept); code != http.StatusOK {
			t.Fatalf("list as table: %d", code)
		}
		var columns []string
		for _, c := range table.ColumnDefinitions {
			columns = append(columns, c.Name)
		}
		if diff := cmp.Diff([]string{"Name", "Clusters", "Resources", "Ready", "Age", "Backend"}, columns); diff != "" {
			t.Errorf("columns (-want +got):\n%s", diff)
		}
		if len(table.Rows) != 1 {
			t.Fatalf("rows = %d, want 1", len(table.Rows))
		}
		if diff := cmp.Diff([]any{"workloads", "member1,member2", "Deployment,Pod", "True"}, table.Rows[0].Cells[:4]); diff != "" {
			t.Errorf("cells (-want +got):\n%s", diff)
		}
	})

	t.Run("the server exposes the storage to controllers", func(t *testing.T) {
		obj, err := server.ResourceRegistries.ResourceRegistry.Get(t.Context(), "workloads", &metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := obj.(*searchv1alpha1.ResourceRegistry).Generation; got != 2 {
			t.Errorf("generation through the storage = %d, want 2", got)
		}
	})
}
