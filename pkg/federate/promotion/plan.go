package promotion

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/federate/binding"
	"github.com/fleetplane/fleetplane/pkg/federate/membership"
	"github.com/fleetplane/fleetplane/pkg/federate/propagationpolicy"
)

// Promoter promotes objects of one member cluster into the control plane.
type Promoter struct {
	// ControlPlane reads Clusters and writes namespaces, templates and policies.
	ControlPlane client.Client
	// Member reads the member's objects, through the control plane's cluster proxy.
	Member client.Reader
	// Cluster is the member's name.
	Cluster string
}

// Request names the object to promote.
type Request struct {
	Ref propagationpolicy.Ref
	// PolicyName names the policy; propagationpolicy.DefaultName(Ref) when empty.
	PolicyName string
	// Dependencies promotes the ConfigMaps and Secrets that the object's pod
	// template references too, and makes the policy select them by name.
	Dependencies bool
}

// Plan is what a promotion writes on the control plane, in the order written.
type Plan struct {
	// Namespace is created when the templates' namespace does not exist yet.
	Namespace *corev1.Namespace
	// Policy propagates the templates back to the member. It is written before
	// them, so that no other policy can claim them first.
	Policy propagationpolicy.Policy
	// PolicyExists means a policy of that name that selects and places the same
	// is already there: it is kept, not written.
	PolicyExists bool
	// Templates are the member's objects, stripped: dependencies, then the object.
	Templates []*unstructured.Unstructured
	// Notes explain referenced dependencies that are not promoted.
	Notes []string
}

// AlreadyPromotedError means the object already has a template on the control plane.
type AlreadyPromotedError struct {
	Ref propagationpolicy.Ref
}

func (e *AlreadyPromotedError) Error() string {
	return fmt.Sprintf("%s already exists on the control plane; nothing to promote", e.Ref)
}

// PolicyConflictError means the policy name is taken by a policy that selects or
// places other resources.
type PolicyConflictError struct {
	// Policy names the policy, e.g. "propagationpolicy default/web-deployment".
	Policy string
}

func (e *PolicyConflictError) Error() string {
	return fmt.Sprintf("%s already exists and selects or places other resources", e.Policy)
}

// CheckCluster fails when the member is not registered with the control plane;
// its proxy would answer "not found" for everything.
func (p *Promoter) CheckCluster(ctx context.Context) error {
	_, err := membership.GetCluster(ctx, p.ControlPlane, p.Cluster)
	return err
}

// Plan reads the object (and its dependencies) from the member and works out what
// to write. It writes nothing.
func (p *Promoter) Plan(ctx context.Context, req Request) (*Plan, error) {
	if err := p.CheckCluster(ctx); err != nil {
		return nil, err
	}
	ref := req.Ref
	switch exists, err := p.onControlPlane(ctx, ref); {
	case err != nil:
		return nil, err
	case exists:
		return nil, &AlreadyPromotedError{Ref: ref}
	}
	obj, err := p.fromMember(ctx, ref)
	if err != nil {
		return nil, err
	}
	if obj == nil {
		return nil, fmt.Errorf("%s not found in cluster %s", ref, p.Cluster)
	}
	plan := &Plan{}
	var refs []propagationpolicy.Ref
	if req.Dependencies {
		if refs, err = p.planDependencies(ctx, plan, obj); err != nil {
			return nil, err
		}
	}
	plan.Templates = append(plan.Templates, Strip(obj))
	refs = append(refs, ref)

	if ref.Namespaced() {
		ns := &corev1.Namespace{}
		err := p.ControlPlane.Get(ctx, client.ObjectKey{Name: ref.Namespace}, ns)
		switch {
		case apierrors.IsNotFound(err):
			plan.Namespace = &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ref.Namespace}}
			plan.Namespace.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Namespace"))
		case err != nil:
			return nil, fmt.Errorf("reading namespace %s on the control plane: %w", ref.Namespace, err)
		}
	}

	name := req.PolicyName
	if name == "" {
		name = propagationpolicy.DefaultName(ref)
	}
	plan.Policy = propagationpolicy.New(name, ref.Namespace, refs, PolicySpec(p.Cluster))
	if plan.PolicyExists, err = p.samePolicyExists(ctx, plan.Policy); err != nil {
		return nil, err
	}
	return plan, nil
}

// PolicySpec is the spec, without selectors, of a promotion's policy: the member
// only, taking existing objects over, and keeping them when templates go away.
func PolicySpec(cluster string) policyv1alpha1.PropagationSpec {
	return policyv1alpha1.PropagationSpec{
		Placement: policyv1alpha1.Placement{
			ClusterAffinity: &policyv1alpha1.ClusterAffinity{ClusterNames: []string{cluster}},
		},
		ConflictResolution:          policyv1alpha1.ConflictOverwrite,
		PreserveResourcesOnDeletion: ptr.To(true),
	}
}

// samePolicyExists reports whether a policy of want's name exists and selects and
// places what want does, and fails when it exists but differs.
func (p *Promoter) samePolicyExists(ctx context.Context, want propagationpolicy.Policy) (bool, error) {
	got := propagationpolicy.Empty(want.Cluster())
	err := p.ControlPlane.Get(ctx, client.ObjectKeyFromObject(want.Object), got.Object)
	switch {
	case apierrors.IsNotFound(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("reading %s: %w", want, err)
	}
	g, w := got.Spec, want.Spec
	same := equality.Semantic.DeepEqual(g.ResourceSelectors, w.ResourceSelectors) &&
		equality.Semantic.DeepEqual(g.Placement, w.Placement) &&
		g.ConflictResolution == w.ConflictResolution &&
		ptr.Deref(g.PreserveResourcesOnDeletion, false) == ptr.Deref(w.PreserveResourcesOnDeletion, false)
	if !same {
		return false, &PolicyConflictError{Policy: want.String()}
	}
	return true, nil
}

// planDependencies adds the ConfigMaps and Secrets that obj's pods reference and
// that can be promoted to the plan, with notes on those that cannot, and returns
// their refs.
func (p *Promoter) planDependencies(ctx context.Context, plan *Plan, obj *unstructured.Unstructured) ([]propagationpolicy.Ref, error) {
	var refs []propagationpolicy.Ref
	for _, d := range binding.Dependencies(obj) {
		ref := propagationpolicy.Ref{GVK: d.GVK, Namespace: obj.GetNamespace(), Name: d.Name}
		switch {
		case d.GVK.Kind != "ConfigMap" && d.GVK.Kind != "Secret":
			plan.Notes = append(plan.Notes, fmt.Sprintf("%s is referenced but not promoted: only ConfigMaps and Secrets are", ref))
			continue
		case d.GVK.Kind == "ConfigMap" && d.Name == rootCAConfigMap:
			// Published into every namespace of every cluster.
			continue
		}
		exists, err := p.onControlPlane(ctx, ref)
		if err != nil {
			return nil, err
		}
		if exists {
			plan.Notes = append(plan.Notes, fmt.Sprintf("%s already exists on the control plane; not promoted", ref))
			continue
		}
		dep, err := p.fromMember(ctx, ref)
		if err != nil {
			return nil, err
		}
		if dep == nil {
			plan.Notes = append(plan.Notes, fmt.Sprintf("%s is referenced but not found in cluster %s; not promoted", ref, p.Cluster))
			continue
		}
		if t, _, _ := unstructured.NestedString(dep.Object, "type"); t == string(corev1.SecretTypeServiceAccountToken) {
			plan.Notes = append(plan.Notes, fmt.Sprintf("%s is a service account token of cluster %s; not promoted", ref, p.Cluster))
			continue
		}
		plan.Templates = append(plan.Templates, Strip(dep))
		refs = append(refs, ref)
	}
	return refs, nil
}

// rootCAConfigMap is published into every namespace by kube-controller-manager.
const rootCAConfigMap = "kube-root-ca.crt"

// onControlPlane reports whether ref has a template on the control plane.
func (p *Promoter) onControlPlane(ctx context.Context, ref propagationpolicy.Ref) (bool, error) {
	obj := &metav1.PartialObjectMetadata{}
	obj.SetGroupVersionKind(ref.GVK)
	err := p.ControlPlane.Get(ctx, client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}, obj)
	switch {
	case err == nil:
		return true, nil
	case apierrors.IsNotFound(err):
		return false, nil
	case meta.IsNoMatchError(err):
		return false, fmt.Errorf("the control plane does not serve %s %s; install it there before promoting", ref.APIVersion(), ref.GVK.Kind)
	default:
		return false, fmt.Errorf("reading %s on the control plane: %w", ref, err)
	}
}

// fromMember reads ref from the member; nil when it does not exist.
func (p *Promoter) fromMember(ctx context.Context, ref propagationpolicy.Ref) (*unstructured.Unstructured, error) {
	obj := &unstructured.Unstructured{}
	obj.SetGroupVersionKind(ref.GVK)
	err := p.Member.Get(ctx, client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}, obj)
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("reading %s in cluster %s: %w", ref, p.Cluster, err)
	}
	return obj, nil
}
