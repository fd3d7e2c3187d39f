package execution

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	workv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/federate/naming"
)

var testWork = types.NamespacedName{Namespace: "karmada-es-member1", Name: "web-1234"}

func manifest(raw string) workv1alpha1.Manifest {
	return workv1alpha1.Manifest{RawExtension: runtime.RawExtension{Raw: []byte(raw)}}
}

func mustDecode(t *testing.T, raw string) *unstructured.Unstructured {
	t.Helper()
	obj, err := decodeManifest(manifest(raw))
	if err != nil {
		t.Fatal(err)
	}
	return obj
}

func TestDecodeManifest(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		wantErr string
	}{
		{name: "valid", raw: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"n":"1"}}`},
		{name: "not json", raw: `{`, wantErr: "decoding the manifest"},
		{name: "no kind", raw: `{"apiVersion":"v1","metadata":{"name":"a"}}`, wantErr: "decoding the manifest"},
		{name: "no name", raw: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{}}`, wantErr: "the ConfigMap manifest has no metadata.name"},
		{name: "empty", raw: ``, wantErr: "the manifest is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeManifest(manifest(tt.raw))
			got := ""
			if err != nil {
				got = err.Error()
			}
			if tt.wantErr == "" && got != "" || tt.wantErr != "" && (got == "" || !strings.Contains(got, tt.wantErr)) {
				t.Errorf("decodeManifest() error = %q, want %q", got, tt.wantErr)
			}
		})
	}
}

func TestDecodeManifestKeepsIntegers(t *testing.T) {
	obj := mustDecode(t, `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"a"},"spec":{"replicas":3}}`)
	if got, found, err := unstructured.NestedInt64(obj.Object, "spec", "replicas"); err != nil || !found || got != 3 {
		t.Errorf("spec.replicas = %v, %v, %v; want int64 3", got, found, err)
	}
}

func TestPrepare(t *testing.T) {
	tests := []struct {
		name       string
		raw        string
		scope      meta.RESTScopeName
		ensureOnly bool
		want       map[string]any
	}{
		{
			name:  "namespaced object gets labels and loses server fields",
			scope: meta.RESTScopeNameNamespace,
			raw: `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop",
				"labels":{"app":"web"},"annotations":{"a":"b"},"resourceVersion":"12","uid":"u","generation":4,
				"creationTimestamp":"2026-01-01T00:00:00Z","managedFields":[{"manager":"x"}],
				"ownerReferences":[{"apiVersion":"v1","kind":"X","name":"y","uid":"z"}]},
				"spec":{"replicas":2},"status":{"readyReplicas":2}}`,
			want: map[string]any{
				"apiVersion": "apps/v1", "kind": "Deployment",
				"metadata": map[string]any{
					"name": "web", "namespace": "shop", "annotations": map[string]any{"a": "b"},
					"labels": map[string]any{
						"app": "web", naming.ManagedByLabel: "true",
						naming.WorkNamespaceLabel: testWork.Namespace, naming.WorkNameLabel: testWork.Name,
					},
				},
				"spec": map[string]any{"replicas": int64(2)},
			},
		},
		{
			name:  "namespaced object without namespace goes to default",
			scope: meta.RESTScopeNameNamespace,
			raw:   `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}`,
			want: map[string]any{
				"apiVersion": "v1", "kind": "ConfigMap",
				"metadata": map[string]any{"name": "c", "namespace": "default", "labels": map[string]any{
					naming.ManagedByLabel: "true", naming.WorkNamespaceLabel: testWork.Namespace, naming.WorkNameLabel: testWork.Name,
				}},
			},
		},
		{
			name:  "cluster-scoped object loses a namespace",
			scope: meta.RESTScopeNameRoot,
			raw:   `{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"r","namespace":"x"}}`,
			want: map[string]any{
				"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
				"metadata": map[string]any{"name": "r", "labels": map[string]any{
					naming.ManagedByLabel: "true", naming.WorkNamespaceLabel: testWork.Namespace, naming.WorkNameLabel: testWork.Name,
				}},
			},
		},
		{
			name:       "ensured namespace is only marked managed",
			scope:      meta.RESTScopeNameRoot,
			ensureOnly: true,
			raw:        `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"shop"}}`,
			want: map[string]any{
				"apiVersion": "v1", "kind": "Namespace",
				"metadata": map[string]any{"name": "shop", "labels": map[string]any{naming.ManagedByLabel: "true"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := mustDecode(t, tt.raw)
			before := in.DeepCopy()
			got := prepare(in, tt.scope, testWork, tt.ensureOnly)
			if diff := cmp.Diff(tt.want, got.Object); diff != "" {
				t.Errorf("prepare() mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(before.Object, in.Object); diff != "" {
				t.Errorf("prepare() changed its input (-before +after):\n%s", diff)
			}
		})
	}
}

func TestEnsureOnlyNamespaces(t *testing.T) {
	ns := func(name string) *unstructured.Unstructured {
		return mustDecode(t, `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"`+name+`"}}`)
	}
	cm := func(namespace string) *unstructured.Unstructured {
		return mustDecode(t, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"`+namespace+`"}}`)
	}
	tests := []struct {
		name string
		objs []*unstructured.Unstructured
		want map[int]bool
	}{
		{name: "namespace before its object", objs: []*unstructured.Unstructured{ns("shop"), cm("shop")}, want: map[int]bool{0: true}},
		{name: "namespace alone is propagated itself", objs: []*unstructured.Unstructured{ns("shop")}, want: map[int]bool{}},
		{name: "unrelated namespace", objs: []*unstructured.Unstructured{ns("other"), cm("shop")}, want: map[int]bool{}},
		{name: "undecodable manifests are skipped", objs: []*unstructured.Unstructured{nil, ns("shop"), cm("shop")}, want: map[int]bool{1: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ensureOnlyNamespaces(tt.objs)); diff != "" {
				t.Errorf("ensureOnlyNamespaces() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIdentifier(t *testing.T) {
	tests := []struct {
		name     string
		raw      string
		resource string
		want     workv1alpha1.ResourceIdentifier
	}{
		{
			name: "grouped namespaced", resource: "deployments",
			raw:  `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop"}}`,
			want: workv1alpha1.ResourceIdentifier{Ordinal: 1, Group: "apps", Version: "v1", Kind: "Deployment", Resource: "deployments", Namespace: "shop", Name: "web"},
		},
		{
			name: "core cluster-scoped", resource: "namespaces",
			raw:  `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"shop"}}`,
			want: workv1alpha1.ResourceIdentifier{Ordinal: 1, Version: "v1", Kind: "Namespace", Resource: "namespaces", Name: "shop"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, identifier(1, mustDecode(t, tt.raw), tt.resource)); diff != "" {
				t.Errorf("identifier() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUpToDate(t *testing.T) {
	want := mustDecode(t, `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop",
		"labels":{"karmada.io/managed":"true"},"annotations":{"a":"b"}}}`)
	live := func(rv string, generation int64, mutate func(*unstructured.Unstructured)) *unstructured.Unstructured {
		obj := want.DeepCopy()
		obj.SetResourceVersion(rv)
		obj.SetGeneration(generation)
		if mutate != nil {
			mutate(obj)
		}
		return obj
	}
	last := appliedState{work: testWork, hash: "h1", resourceVersion: "10", generation: 3}
	tests := []struct {
		name string
		last appliedState
		hash string
		live *unstructured.Unstructured
		want bool
	}{
		{name: "unchanged", last: last, hash: "h1", live: live("10", 3, nil), want: true},
		{name: "status changed", last: last, hash: "h1", live: live("11", 3, nil), want: true},
		{name: "spec changed", last: last, hash: "h1", live: live("11", 4, nil), want: false},
		{name: "intent changed", last: last, hash: "h2", live: live("10", 3, nil), want: false},
		{name: "gone", last: last, hash: "h1", live: nil, want: false},
		{
			name: "label removed", last: last, hash: "h1", want: false,
			live: live("11", 3, func(o *unstructured.Unstructured) { o.SetLabels(nil) }),
		},
		{
			name: "annotation changed", last: last, hash: "h1", want: false,
			live: live("11", 3, func(o *unstructured.Unstructured) { o.SetAnnotations(map[string]string{"a": "c"}) }),
		},
		{
			name: "extra label added by someone else", last: last, hash: "h1", want: true,
			live: live("11", 3, func(o *unstructured.Unstructured) {
				o.SetLabels(map[string]string{"karmada.io/managed": "true", "other": "x"})
			}),
		},
		{
			name: "kind without generation changed", hash: "h1", want: false,
			last: appliedState{work: testWork, hash: "h1", resourceVersion: "10"},
			live: live("11", 0, nil),
		},
		{
			name: "terminating", last: last, hash: "h1", want: false,
			live: live("10", 3, func(o *unstructured.Unstructured) {
				o.Object["metadata"].(map[string]any)["deletionTimestamp"] = "2026-01-01T00:00:00Z"
			}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := upToDate(tt.last, tt.hash, want, tt.live); got != tt.want {
				t.Errorf("upToDate() = %v, want %v", got, tt.want)
			}
		})
	}
}
