package overrides

import (
	"encoding/json"
	"fmt"

	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
)

// Annotation keys under which a Work records the overriders applied to its
// manifest, with the same keys and value format as Karmada.
const (
	// AppliedOverridesAnnotation lists the OverridePolicy rules applied.
	AppliedOverridesAnnotation = "policy.karmada.io/applied-overrides"
	// AppliedClusterOverridesAnnotation lists the ClusterOverridePolicy
	// rules applied.
	AppliedClusterOverridesAnnotation = "policy.karmada.io/applied-cluster-overrides"
)

// AppliedOverriders is one rule applied by a policy. A policy with several
// rules targeting the cluster appears once per rule.
type AppliedOverriders struct {
	// PolicyName is the name of the policy. The namespace of an
	// OverridePolicy is the template's.
	PolicyName string `json:"policyName"`
	// Overriders are the overriders of the rule.
	Overriders policyv1alpha1.Overriders `json:"overriders"`
}

// Applied records the rules Apply applied, in the order it applied them.
type Applied struct {
	// ClusterPolicies are the rules of ClusterOverridePolicies.
	ClusterPolicies []AppliedOverriders
	// Policies are the rules of OverridePolicies.
	Policies []AppliedOverriders
}

// AnnotationValue renders items as the value of AppliedOverridesAnnotation
// or AppliedClusterOverridesAnnotation: a JSON list of
// {"policyName": ..., "overriders": {...}}.
func AnnotationValue(items []AppliedOverriders) (string, error) {
	if items == nil {
		items = []AppliedOverriders{}
	}
	raw, err := json.Marshal(items)
	if err != nil {
		return "", fmt.Errorf("encoding applied overriders: %w", err)
	}
	return string(raw), nil
}

// Annotations returns the annotations a Work carries for a: each key is set
// only when rules of that kind of policy applied, so an empty Applied gives
// an empty map.
func (a Applied) Annotations() (map[string]string, error) {
	out := map[string]string{}
	for key, items := range map[string][]AppliedOverriders{
		AppliedClusterOverridesAnnotation: a.ClusterPolicies,
		AppliedOverridesAnnotation:        a.Policies,
	} {
		if len(items) == 0 {
			continue
		}
		value, err := AnnotationValue(items)
		if err != nil {
			return nil, err
		}
		out[key] = value
	}
	return out, nil
}
