package overrides

import (
	"fmt"
	"maps"

	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
)

// overrideStringMap applies a labels or annotations overrider to current
// and reports whether anything changed. current is not modified.
func overrideStringMap(current map[string]string, o policyv1alpha1.LabelAnnotationOverrider) (map[string]string, bool, error) {
	out := maps.Clone(current)
	changed := false
	switch o.Operator {
	case policyv1alpha1.OverriderOpAdd:
		if out == nil && len(o.Value) > 0 {
			out = make(map[string]string, len(o.Value))
		}
		for k, v := range o.Value {
			if old, ok := out[k]; !ok || old != v {
				out[k] = v
				changed = true
			}
		}
	case policyv1alpha1.OverriderOpRemove:
		for k := range o.Value {
			if _, ok := out[k]; ok {
				delete(out, k)
				changed = true
			}
		}
	case policyv1alpha1.OverriderOpReplace:
		for k, v := range o.Value {
			if old, ok := out[k]; ok && old != v {
				out[k] = v
				changed = true
			}
		}
	default:
		return nil, false, fmt.Errorf("unsupported operator %q", o.Operator)
	}
	if len(out) == 0 {
		out = nil
	}
	return out, changed, nil
}
