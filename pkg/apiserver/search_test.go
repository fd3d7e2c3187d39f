package apiserver

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	"k8s.io/apiserver/pkg/storage/storagebackend/factory"
	"k8s.io/client-go/tools/cache"

	searchv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/search/v1alpha1"
)

// unreachableStorage stands in for etcd where a test must never reach it: every
// call but the readiness check panics.
type unreachableStorage struct{ storage.Interface }

func (unreachableStorage) ReadinessCheck() error { return nil }

// connecter stands in for the search and proxying connecters.
type connecter struct{ rest.Storage }

// noStorage builds stores on unreachableStorage.
func noStorage(t *testing.T) generic.RESTOptionsGetter {
	t.Helper()
	resource := searchv1alpha1.Resource(searchv1alpha1.ResourcePluralResourceRegistry)
	config := storagebackend.NewDefaultConfig("/registry", Codecs.LegacyCodec(searchv1alpha1.SchemeGroupVersion))
	return generic.RESTOptions{
		StorageConfig:  config.ForResource(resource),
		ResourcePrefix: resource.Group + "/" + resource.Resource,
		Decorator: func(*storagebackend.ConfigForResource, string, func(runtime.Object) (string, error), func() runtime.Object,
			func() runtime.Object, storage.AttrFunc, storage.IndexerFuncs, *cache.Indexers) (storage.Interface, factory.DestroyFunc, error) {
			return unreachableStorage{}, func() {}, nil
		},
	}
}

func TestNewSearchGroup(t *testing.T) {
	search, proxying := &connecter{}, &connecter{}
	tests := []struct {
		name      string
		extra     map[string]rest.Storage
		want      []string
		wantError bool
	}{
		{name: "registries only", want: []string{"resourceregistries", "resourceregistries/status"}},
		{name: "with connecters", extra: map[string]rest.Storage{"search": search, "proxying": proxying},
			want: []string{"proxying", "resourceregistries", "resourceregistries/status", "search"}},
		{name: "extra may not replace the registries", extra: map[string]rest.Storage{"resourceregistries/status": search}, wantError: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			group, err := newSearchGroup(noStorage(t), tt.extra)
			if tt.wantError {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := group.PrioritizedVersions; len(got) != 1 || got[0] != searchv1alpha1.SchemeGroupVersion {
				t.Errorf("versions = %v, want only %v", got, searchv1alpha1.SchemeGroupVersion)
			}
			storages := group.VersionedResourcesStorageMap["v1alpha1"]
			got := slices.Sorted(maps.Keys(storages))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("resources (-want +got):\n%s", diff)
			}
			registries := resourceRegistryStorage(group)
			if registries.ResourceRegistry == nil || registries.Status == nil {
				t.Errorf("registry storage not exposed: %+v", registries)
			}
		})
	}
}

// TestInvalidRegistryIsUnprocessable asserts that validation errors reach the caller
// as 422 Invalid, with one cause per field path, before anything is stored.
func TestInvalidRegistryIsUnprocessable(t *testing.T) {
	group, err := newSearchGroup(noStorage(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	registries := resourceRegistryStorage(group)
	invalid := &searchv1alpha1.ResourceRegistry{
		ObjectMeta: metav1.ObjectMeta{Name: "workloads"},
		Spec: searchv1alpha1.ResourceRegistrySpec{
			TargetCluster: searchv1alpha1.ClusterAffinity{ClusterNames: []string{"member1", "member1"}},
			ResourceSelectors: []searchv1alpha1.ResourceSelector{
				{APIVersion: "apps/v1", Kind: "Deployment"},
				{APIVersion: "apps/v1/extra", Kind: "pod"},
			},
		},
	}
	_, err = registries.ResourceRegistry.Create(genericapirequest.WithNamespace(context.Background(), ""), invalid, rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) {
		t.Fatalf("error = %v, want Invalid", err)
	}
	status := err.(apierrors.APIStatus).Status()
	if status.Code != 422 {
		t.Errorf("code = %d, want 422", status.Code)
	}
	var fields []string
	for _, c := range status.Details.Causes {
		fields = append(fields, c.Field)
	}
	want := []string{"spec.resourceSelectors[1].apiVersion", "spec.resourceSelectors[1].kind", "spec.targetCluster.clusterNames[1]"}
	if diff := cmp.Diff(want, fields); diff != "" {
		t.Errorf("causes (-want +got):\n%s", diff)
	}
	if status.Details.Group != searchv1alpha1.GroupName || status.Details.Kind != "ResourceRegistry" {
		t.Errorf("details name %s.%s, want ResourceRegistry.search.karmada.io", status.Details.Kind, status.Details.Group)
	}
}
