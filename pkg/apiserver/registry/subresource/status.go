package subresource

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// StatusStrategy is how the status subresource updates an object: it must keep
// everything but the status (PrepareForUpdate) and name what it keeps for
// server-side apply (GetResetFields).
type StatusStrategy interface {
	rest.RESTUpdateStrategy
	rest.ResetFieldsStrategy
}

// StatusREST serves NAME/status of a type: GET, PUT and PATCH of the status.
type StatusREST struct {
	store *genericregistry.Store
}

var (
	_ rest.Patcher             = &StatusREST{}
	_ rest.ResetFieldsStrategy = &StatusREST{}
)

// NewStatusREST returns the status subresource of main's objects, written with
// strategy. The main store must be complete (CompleteWithOptions has run): the
// subresource shares its storage, and with it the watch cache.
func NewStatusREST(main *genericregistry.Store, strategy StatusStrategy) *StatusREST {
	status := *main
	status.UpdateStrategy = strategy
	status.ResetFieldsStrategy = strategy
	return &StatusREST{store: &status}
}

// New returns an empty object of the type.
func (r *StatusREST) New() runtime.Object { return r.store.New() }

// Destroy releases nothing: the main store owns the storage.
func (r *StatusREST) Destroy() {}

// Get returns an object, for PATCH on the status.
func (r *StatusREST) Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error) {
	return r.store.Get(ctx, name, options)
}

// Update writes the status of an object. It never creates one.
func (r *StatusREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc,
	updateValidation rest.ValidateObjectUpdateFunc, _ bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	return r.store.Update(ctx, name, objInfo, createValidation, updateValidation, false, options)
}

// GetResetFields lists the fields a status write leaves alone.
func (r *StatusREST) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return r.store.GetResetFields()
}
