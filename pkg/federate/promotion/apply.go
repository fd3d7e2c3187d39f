package promotion

import (
	"context"
	"fmt"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// rollbackTimeout bounds the deletes of a rollback, which run even when the
// promotion's context was cancelled.
const rollbackTimeout = 30 * time.Second

// Apply writes the plan: the namespace, the policy, then the templates. It returns
// the objects it created, in order. When a write fails it deletes what it created,
// newest first, and says so in the error; the member's objects are never touched.
func (p *Promoter) Apply(ctx context.Context, plan *Plan) ([]client.Object, error) {
	var created []client.Object
	create := func(obj client.Object, tolerateExisting bool) error {
		what := Describe(obj)
		gvk := obj.GetObjectKind().GroupVersionKind()
		err := p.ControlPlane.Create(ctx, obj)
		// Decoding the answer drops the type of typed objects; printers need it.
		obj.GetObjectKind().SetGroupVersionKind(gvk)
		switch {
		case err == nil:
			created = append(created, obj)
			return nil
		case apierrors.IsAlreadyExists(err) && tolerateExisting:
			return nil
		case apierrors.IsAlreadyExists(err):
			return fmt.Errorf("%s was created on the control plane meanwhile", what)
		default:
			return fmt.Errorf("creating %s on the control plane: %w", what, err)
		}
	}
	var steps []func() error
	if plan.Namespace != nil {
		// Someone else creating it meanwhile is fine: it is theirs, not rolled back.
		steps = append(steps, func() error { return create(plan.Namespace.DeepCopy(), true) })
	}
	if !plan.PolicyExists {
		steps = append(steps, func() error { return create(plan.Policy.DeepCopyObject().(client.Object), false) })
	}
	for _, t := range plan.Templates {
		steps = append(steps, func() error { return create(t.DeepCopy(), false) })
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, p.rollback(ctx, created, err)
		}
	}
	return created, nil
}

// rollback deletes created, newest first, and returns cause with what it did.
func (p *Promoter) rollback(ctx context.Context, created []client.Object, cause error) error {
	if len(created) == 0 {
		return cause
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	var deleted, failed []string
	for i := len(created) - 1; i >= 0; i-- {
		obj := created[i]
		err := p.ControlPlane.Delete(ctx, obj, client.PropagationPolicy("Background"))
		if err != nil && !apierrors.IsNotFound(err) {
			failed = append(failed, fmt.Sprintf("%s (%v)", Describe(obj), err))
			continue
		}
		deleted = append(deleted, Describe(obj))
	}
	if len(failed) > 0 {
		return fmt.Errorf("%w; rollback incomplete, delete by hand: %s", cause, strings.Join(failed, ", "))
	}
	return fmt.Errorf("%w; rolled back: deleted %s", cause, strings.Join(deleted, ", "))
}

// Describe names an object for messages: "deployment default/web", "namespace web".
func Describe(obj client.Object) string {
	kind := strings.ToLower(obj.GetObjectKind().GroupVersionKind().Kind)
	if obj.GetNamespace() == "" {
		return kind + " " + obj.GetName()
	}
	return kind + " " + obj.GetNamespace() + "/" + obj.GetName()
}
