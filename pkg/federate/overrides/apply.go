package overrides

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
)

// Apply returns a deep copy of template rewritten for cluster by the
// policies that select it (see Select for which and in what order) and a
// record of the rules that applied. template is not modified. The first
// failing overrider stops Apply; its error names the policy, the overrider
// and the path at fault.
func Apply(template *unstructured.Unstructured, cluster *clusterv1alpha1.Cluster, clusterPolicies []policyv1alpha1.ClusterOverridePolicy, policies []policyv1alpha1.OverridePolicy) (*unstructured.Unstructured, Applied, error) {
	selections, err := Select(template, cluster, clusterPolicies, policies)
	if err != nil {
		return nil, Applied{}, err
	}
	out := template.DeepCopy()
	var applied Applied
	for _, sel := range selections {
		for _, r := range sel.Rules {
			if err := applyOverriders(out, &r.Overriders); err != nil {
				return nil, Applied{}, fmt.Errorf("%s: %s.%w", sel, r.Field, err)
			}
			item := AppliedOverriders{PolicyName: sel.Name, Overriders: *r.Overriders.DeepCopy()}
			if sel.Kind == policyv1alpha1.ResourceKindClusterOverridePolicy {
				applied.ClusterPolicies = append(applied.ClusterPolicies, item)
			} else {
				applied.Policies = append(applied.Policies, item)
			}
		}
	}
	return out, applied, nil
}

// applyOverriders applies the overriders of one rule to obj in the order
// the package documents. Errors start with the overrider's field, e.g.
// "plaintext[1]: ...".
func applyOverriders(obj *unstructured.Unstructured, o *policyv1alpha1.Overriders) error {
	for i, io := range o.ImageOverrider {
		if err := applyImage(obj, io); err != nil {
			return fmt.Errorf("imageOverrider[%d]: %w", i, err)
		}
	}
	for i, co := range o.CommandOverrider {
		if err := applyCommandArgs(obj, "command", co); err != nil {
			return fmt.Errorf("commandOverrider[%d]: %w", i, err)
		}
	}
	for i, ao := range o.ArgsOverrider {
		if err := applyCommandArgs(obj, "args", ao); err != nil {
			return fmt.Errorf("argsOverrider[%d]: %w", i, err)
		}
	}
	for i, lo := range o.LabelsOverrider {
		labels, changed, err := overrideStringMap(obj.GetLabels(), lo)
		if err != nil {
			return fmt.Errorf("labelsOverrider[%d]: %w", i, err)
		}
		if changed {
			obj.SetLabels(labels)
		}
	}
	for i, ao := range o.AnnotationsOverrider {
		annotations, changed, err := overrideStringMap(obj.GetAnnotations(), ao)
		if err != nil {
			return fmt.Errorf("annotationsOverrider[%d]: %w", i, err)
		}
		if changed {
			obj.SetAnnotations(annotations)
		}
	}
	for i, fo := range o.FieldOverrider {
		if err := applyField(obj.Object, fo); err != nil {
			return fmt.Errorf("fieldOverrider[%d]: %w", i, err)
		}
	}
	patched, err := applyPlaintext(obj.Object, o.Plaintext)
	if err != nil {
		return err
	}
	obj.Object = patched
	return nil
}
