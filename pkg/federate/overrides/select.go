package overrides

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
)

// Selection is one policy that applies to a template in a cluster, with
// those of its rules that target the cluster.
type Selection struct {
	// Kind is policyv1alpha1.ResourceKindClusterOverridePolicy or
	// policyv1alpha1.ResourceKindOverridePolicy.
	Kind string
	// Namespace is the namespace of an OverridePolicy; it is empty for a
	// ClusterOverridePolicy.
	Namespace string
	// Name is the name of the policy.
	Name string
	// Rules are the rules that target the cluster, in the policy's order.
	Rules []SelectedRule
}

// String names the policy as errors do, e.g. "overridepolicy default/nginx-op".
func (s Selection) String() string {
	if s.Namespace == "" {
		return strings.ToLower(s.Kind) + " " + s.Name
	}
	return strings.ToLower(s.Kind) + " " + s.Namespace + "/" + s.Name
}

// SelectedRule is the overriders of one rule of a policy.
type SelectedRule struct {
	// Field locates the overriders in the policy's spec:
	// "overrideRules[<i>].overriders", or "overriders" for a policy in the
	// deprecated form.
	Field string
	// Overriders are the rewrites of the rule. They share memory with the
	// policy passed to Select and must not be modified.
	Overriders policyv1alpha1.Overriders
}

// Select returns the policies that apply to template when it is propagated
// to cluster, in the order Apply applies them: ClusterOverridePolicies before
// OverridePolicies, each sorted by name. Policies none of whose rules target
// the cluster are left out. The error names the policy and field of an
// invalid selector.
func Select(template *unstructured.Unstructured, cluster *clusterv1alpha1.Cluster, clusterPolicies []policyv1alpha1.ClusterOverridePolicy, policies []policyv1alpha1.OverridePolicy) ([]Selection, error) {
	if template == nil || cluster == nil {
		return nil, errors.New("a template and a cluster are required")
	}
	var candidates []candidate
	for i := range clusterPolicies {
		p := &clusterPolicies[i]
		candidates = append(candidates, candidate{kind: policyv1alpha1.ResourceKindClusterOverridePolicy, name: p.Name, spec: &p.Spec})
	}
	slices.SortStableFunc(candidates, func(a, b candidate) int { return strings.Compare(a.name, b.name) })
	first := len(candidates)
	for i := range policies {
		p := &policies[i]
		candidates = append(candidates, candidate{kind: policyv1alpha1.ResourceKindOverridePolicy, namespace: p.Namespace, name: p.Name, spec: &p.Spec})
	}
	slices.SortStableFunc(candidates[first:], func(a, b candidate) int {
		if c := strings.Compare(a.namespace, b.namespace); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})

	var selected []Selection
	for _, c := range candidates {
		sel := Selection{Kind: c.kind, Namespace: c.namespace, Name: c.name}
		if c.kind == policyv1alpha1.ResourceKindOverridePolicy && c.namespace == "" {
			// A namespaced policy always has a namespace; one without
			// cannot select anything rather than select everything.
			continue
		}
		ok, err := ResourceMatches(template, c.spec.ResourceSelectors, c.namespace)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sel, err)
		}
		if !ok {
			continue
		}
		for _, r := range rules(c.spec) {
			ok, err := ClusterMatches(r.target, cluster)
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", sel, r.targetField, err)
			}
			if ok {
				sel.Rules = append(sel.Rules, SelectedRule{Field: r.field, Overriders: r.overriders})
			}
		}
		if len(sel.Rules) > 0 {
			selected = append(selected, sel)
		}
	}
	return selected, nil
}

type candidate struct {
	kind, namespace, name string
	spec                  *policyv1alpha1.OverrideSpec
}

type rule struct {
	field, targetField string
	target             *policyv1alpha1.ClusterAffinity
	overriders         policyv1alpha1.Overriders
}

// rules lists the rules of spec, reading the deprecated targetCluster and
// overriders as one rule when overrideRules is empty and overriders is not.
func rules(spec *policyv1alpha1.OverrideSpec) []rule {
	if len(spec.OverrideRules) == 0 {
		if isEmpty(&spec.Overriders) {
			return nil
		}
		return []rule{{field: "overriders", targetField: "targetCluster", target: spec.TargetCluster, overriders: spec.Overriders}}
	}
	out := make([]rule, 0, len(spec.OverrideRules))
	for i, r := range spec.OverrideRules {
		out = append(out, rule{
			field:       fmt.Sprintf("overrideRules[%d].overriders", i),
			targetField: fmt.Sprintf("overrideRules[%d].targetCluster", i),
			target:      r.TargetCluster,
			overriders:  r.Overriders,
		})
	}
	return out
}

// ResourceMatches reports whether a policy with the given resourceSelectors
// selects template. policyNamespace is the namespace of an OverridePolicy,
// which only selects templates of that namespace, and empty for a
// ClusterOverridePolicy. No selectors select every template in scope.
func ResourceMatches(template *unstructured.Unstructured, selectors []policyv1alpha1.ResourceSelector, policyNamespace string) (bool, error) {
	if policyNamespace != "" && template.GetNamespace() != policyNamespace {
		return false, nil
	}
	if len(selectors) == 0 {
		return true, nil
	}
	for i := range selectors {
		ok, err := selectorMatches(&selectors[i], template)
		if err != nil {
			return false, fmt.Errorf("resourceSelectors[%d]: %w", i, err)
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

func selectorMatches(rs *policyv1alpha1.ResourceSelector, template *unstructured.Unstructured) (bool, error) {
	if rs.APIVersion != template.GetAPIVersion() || rs.Kind != template.GetKind() {
		return false, nil
	}
	if rs.Namespace != "" && rs.Namespace != template.GetNamespace() {
		return false, nil
	}
	if rs.Name != "" {
		// The label selector is ignored when a name is set.
		return rs.Name == template.GetName(), nil
	}
	if rs.LabelSelector == nil {
		return true, nil
	}
	selector, err := metav1.LabelSelectorAsSelector(rs.LabelSelector)
	if err != nil {
		return false, fmt.Errorf("labelSelector: %w", err)
	}
	return selector.Matches(labels.Set(template.GetLabels())), nil
}

func isEmpty(o *policyv1alpha1.Overriders) bool {
	return len(o.Plaintext) == 0 && len(o.ImageOverrider) == 0 && len(o.CommandOverrider) == 0 &&
		len(o.ArgsOverrider) == 0 && len(o.LabelsOverrider) == 0 && len(o.AnnotationsOverrider) == 0 &&
		len(o.FieldOverrider) == 0
}
