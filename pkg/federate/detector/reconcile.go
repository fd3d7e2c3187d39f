package detector

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha2"
	"github.com/fleetplane/fleetplane/pkg/federate/naming"
)

// claimLabels are every label a claim may set; a new claim clears the others.
var claimLabels = []string{
	naming.PropagationPolicyNamespaceLabel, naming.PropagationPolicyNameLabel, naming.PropagationPolicyPermanentIDLabel,
	naming.ClusterPropagationPolicyLabel, naming.ClusterPropagationPolicyPermanentIDLabel,
}

func (d *Detector) reconcile(ctx context.Context, key TemplateKey) error {
	obj, ok := d.resources.Get(key)
	if !ok || obj.GetDeletionTimestamp() != nil {
		// A deleted template's binding goes with it: the binding is owned by it.
		return nil
	}
	if naming.IsReservedNamespace(obj.GetNamespace()) || key.GVR.Resource == "namespaces" && naming.IsReservedNamespace(obj.GetName()) {
		return nil
	}
	var pps policyv1alpha1.PropagationPolicyList
	if obj.GetNamespace() != "" {
		if err := d.client.List(ctx, &pps, client.InNamespace(obj.GetNamespace())); err != nil {
			return err
		}
	}
	var cpps policyv1alpha1.ClusterPropagationPolicyList
	if err := d.client.List(ctx, &cpps); err != nil {
		return err
	}
	chosen := Choose(Candidates(obj, pps.Items, cpps.Items), currentClaim(obj))
	if chosen == nil {
		// A template left without a policy stays where it is: its binding remains
		// until a policy claims it again. Only a stale claim is cleared.
		if currentClaim(obj) != "" {
			_, err := d.patchClaim(ctx, key, obj, nil)
			return err
		}
		return nil
	}
	obj, err := d.patchClaim(ctx, key, obj, claimFor(chosen))
	if err != nil {
		return err
	}
	return d.ensureBinding(ctx, obj, chosen)
}

// currentClaim returns the key of the policy whose labels the template carries.
func currentClaim(obj *unstructured.Unstructured) string {
	l := obj.GetLabels()
	if name := l[naming.PropagationPolicyNameLabel]; name != "" {
		return "PropagationPolicy " + l[naming.PropagationPolicyNamespaceLabel] + "/" + name
	}
	if name := l[naming.ClusterPropagationPolicyLabel]; name != "" {
		return "ClusterPropagationPolicy " + name
	}
	return ""
}

func claimFor(c *Candidate) map[string]string {
	if c.Cluster {
		return map[string]string{naming.ClusterPropagationPolicyLabel: c.Name, naming.ClusterPropagationPolicyPermanentIDLabel: c.UID}
	}
	return map[string]string{naming.PropagationPolicyNamespaceLabel: c.Namespace, naming.PropagationPolicyNameLabel: c.Name,
		naming.PropagationPolicyPermanentIDLabel: c.UID}
}

// patchClaim sets the claim labels (nil clears them) with one merge patch when they
// differ, and returns the template as the apiserver now has it.
func (d *Detector) patchClaim(ctx context.Context, key TemplateKey, obj *unstructured.Unstructured, want map[string]string) (*unstructured.Unstructured, error) {
	have := obj.GetLabels()
	patch := map[string]any{}
	for _, l := range claimLabels {
		if v, ok := want[l]; ok && have[l] != v {
			patch[l] = v
		} else if _, set := have[l]; set && !ok {
			patch[l] = nil
		}
	}
	if len(patch) == 0 {
		return obj, nil
	}
	body, err := json.Marshal(map[string]any{"metadata": map[string]any{"labels": patch}})
	if err != nil {
		return nil, err
	}
	patched, err := d.dynamic.Resource(key.GVR).Namespace(key.Namespace).Patch(ctx, key.Name, types.MergePatchType, body, metav1.PatchOptions{})
	if err != nil {
		return nil, fmt.Errorf("claiming %s: %w", templateRef(obj), err)
	}
	return patched, nil
}

// bindingSpec is what the detector owns of a binding's spec; the scheduler owns
// spec.clusters and the rest is left as it is.
func bindingSpec(obj *unstructured.Unstructured, c *Candidate, into *workv1alpha2.ResourceBindingSpec) {
	into.Resource = workv1alpha2.ObjectReference{
		APIVersion: obj.GetAPIVersion(), Kind: obj.GetKind(), Namespace: obj.GetNamespace(), Name: obj.GetName(),
		UID: obj.GetUID(), ResourceVersion: obj.GetResourceVersion(),
	}
	replicas, reqs, _ := Replicas(obj)
	into.Replicas, into.ReplicaRequirements = replicas, reqs
	into.Placement = c.Spec.Placement.DeepCopy()
	into.PropagateDeps = c.Spec.PropagateDeps
	into.ConflictResolution = c.Spec.ConflictResolution
	into.PreserveResourcesOnDeletion = c.Spec.PreserveResourcesOnDeletion
	into.Failover = c.Spec.Failover.DeepCopy()
	into.SchedulerName = c.Spec.SchedulerName
	into.SchedulePriority = nil
}

// ensureBinding creates the template's binding, or updates it when what the detector
// owns changed. The binding is owned by the template, so deleting the template
// deletes it.
func (d *Detector) ensureBinding(ctx context.Context, obj *unstructured.Unstructured, c *Candidate) error {
	var b client.Object
	var spec *workv1alpha2.ResourceBindingSpec
	name := naming.BindingName(obj.GetKind(), obj.GetName())
	if obj.GetNamespace() != "" {
		rb := &workv1alpha2.ResourceBinding{}
		b, spec = rb, &rb.Spec
	} else {
		crb := &workv1alpha2.ClusterResourceBinding{}
		b, spec = crb, &crb.Spec
	}
	err := d.client.Get(ctx, client.ObjectKey{Namespace: obj.GetNamespace(), Name: name}, b)
	if apierrors.IsNotFound(err) {
		b.SetNamespace(obj.GetNamespace())
		b.SetName(name)
		b.SetLabels(bindingLabels(obj, c, uuid.NewString()))
		b.SetOwnerReferences([]metav1.OwnerReference{ownerRef(obj)})
		b.SetFinalizers([]string{naming.BindingFinalizer})
		bindingSpec(obj, c, spec)
		if err := d.client.Create(ctx, b); err != nil {
			return fmt.Errorf("creating the binding of %s: %w", templateRef(obj), err)
		}
		klog.FromContext(ctx).V(2).Info("created binding", "template", templateRef(obj), "policy", c.Key())
		return nil
	}
	if err != nil {
		return err
	}
	base := b.DeepCopyObject().(client.Object)
	before := spec.DeepCopy()
	bindingSpec(obj, c, spec)
	labels := bindingLabels(obj, c, b.GetLabels()[permanentIDLabel(obj)])
	if apiequality.Semantic.DeepEqual(before, spec) && apiequality.Semantic.DeepEqual(labels, b.GetLabels()) {
		return nil
	}
	b.SetLabels(labels)
	// A merge patch of what changed leaves spec.clusters (the scheduler's) alone and
	// needs no resourceVersion, so it never conflicts with the binding controller.
	if err := d.client.Patch(ctx, b, client.MergeFrom(base)); err != nil {
		return fmt.Errorf("updating the binding of %s: %w", templateRef(obj), err)
	}
	return nil
}

func permanentIDLabel(obj *unstructured.Unstructured) string {
	if obj.GetNamespace() == "" {
		return naming.ClusterResourceBindingPermanentIDLabel
	}
	return naming.ResourceBindingPermanentIDLabel
}

func bindingLabels(obj *unstructured.Unstructured, c *Candidate, id string) map[string]string {
	l := claimFor(c)
	if id == "" {
		id = uuid.NewString()
	}
	l[permanentIDLabel(obj)] = id
	return l
}

func ownerRef(obj *unstructured.Unstructured) metav1.OwnerReference {
	return metav1.OwnerReference{
		APIVersion: obj.GetAPIVersion(), Kind: obj.GetKind(), Name: obj.GetName(), UID: obj.GetUID(),
		Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true),
	}
}
