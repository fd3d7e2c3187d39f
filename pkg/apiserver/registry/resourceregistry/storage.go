package resourceregistry

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	searchv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/search/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/apiserver/registry/subresource"
)

// Storage is everything served under resourceregistries.
type Storage struct {
	// ResourceRegistry stores the objects; read, list and watch them here.
	ResourceRegistry *REST
	// Status writes the status of a registry, and nothing else.
	Status *subresource.StatusREST
}

// REST is the etcd-backed storage of ResourceRegistry objects.
type REST struct {
	*genericregistry.Store
}

var (
	_ rest.StandardStorage    = &REST{}
	_ rest.CategoriesProvider = &REST{}
)

// Categories puts registries in `kubectl get karmada-io`, beside clusters.
func (r *REST) Categories() []string { return []string{"karmada-io"} }

// NewStorage returns the storage of resourceregistries and resourceregistries/status.
func NewStorage(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (*Storage, error) {
	s := newStrategy(scheme)
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &searchv1alpha1.ResourceRegistry{} },
		NewListFunc:               func() runtime.Object { return &searchv1alpha1.ResourceRegistryList{} },
		DefaultQualifiedResource:  searchv1alpha1.Resource(searchv1alpha1.ResourcePluralResourceRegistry),
		SingularQualifiedResource: searchv1alpha1.Resource(searchv1alpha1.ResourceSingularResourceRegistry),
		CreateStrategy:            s,
		UpdateStrategy:            s,
		DeleteStrategy:            s,
		ResetFieldsStrategy:       s,
		TableConvertor:            tableConvertor{},
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter}); err != nil {
		return nil, err
	}
	return &Storage{ResourceRegistry: &REST{store}, Status: subresource.NewStatusREST(store, statusStrategy{s})}, nil
}
