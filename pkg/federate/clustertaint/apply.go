package clustertaint

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
)

// Result says how Apply changed a taint list, in kubectl's words.
type Result string

// Results of Apply.
const (
	Tainted   Result = "tainted"
	Untainted Result = "untainted"
	Modified  Result = "modified"
	Unchanged Result = "unchanged"
)

// ErrTaintExists means a taint to add has the key and effect of an existing one and
// overwriting was not allowed.
var ErrTaintExists = errors.New("the cluster already has a taint with the same key and effect")

// Unschedulable is the taint cordon adds: the scheduler places no new workloads on
// the cluster.
var Unschedulable = corev1.Taint{Key: clusterv1alpha1.TaintClusterUnscheduler, Effect: corev1.TaintEffectNoSchedule}

// Apply returns taints with ch applied, and how they changed. Without overwrite,
// adding a taint whose key and effect are already present fails with ErrTaintExists;
// with it, the existing taint's value is replaced. Removing a taint that is not
// present is an error. NoExecute taints get now as their TimeAdded when added or
// replaced. Existing taints keep their order; new ones are appended.
func (ch Change) Apply(taints []corev1.Taint, overwrite bool, now metav1.Time) ([]corev1.Taint, Result, error) {
	out := slices.Clone(taints)
	var added, replaced, removed bool
	var exists []string
	for _, t := range ch.Add {
		if t.Effect == corev1.TaintEffectNoExecute {
			t.TimeAdded = &now
		}
		i := slices.IndexFunc(out, func(o corev1.Taint) bool { return o.Key == t.Key && o.Effect == t.Effect })
		switch {
		case i < 0:
			out = append(out, t)
			added = true
		case !overwrite:
			exists = append(exists, t.Key+":"+string(t.Effect))
		case out[i].Value != t.Value:
			out[i] = t
			replaced = true
		}
	}
	if len(exists) > 0 {
		return nil, "", fmt.Errorf("%w: %s", ErrTaintExists, strings.Join(exists, ", "))
	}
	var missing []string
	for _, r := range ch.Remove {
		n := len(out)
		out = slices.DeleteFunc(out, func(o corev1.Taint) bool {
			return o.Key == r.Key && (r.Effect == "" || o.Effect == r.Effect)
		})
		if len(out) == n {
			missing = append(missing, r.ToString())
			continue
		}
		removed = true
	}
	if len(missing) > 0 {
		return nil, "", fmt.Errorf("taint %s not found", strings.Join(missing, ", "))
	}
	switch {
	case replaced, added && removed:
		return out, Modified, nil
	case added:
		return out, Tainted, nil
	case removed:
		return out, Untainted, nil
	}
	return out, Unchanged, nil
}

// Cordon returns taints with Unschedulable added, and whether that changed them.
func Cordon(taints []corev1.Taint) ([]corev1.Taint, bool) {
	if slices.ContainsFunc(taints, func(t corev1.Taint) bool { return Unschedulable.MatchTaint(&t) }) {
		return taints, false
	}
	return append(slices.Clone(taints), Unschedulable), true
}

// Uncordon returns taints without Unschedulable, and whether that changed them.
func Uncordon(taints []corev1.Taint) ([]corev1.Taint, bool) {
	out := slices.DeleteFunc(slices.Clone(taints), func(t corev1.Taint) bool { return Unschedulable.MatchTaint(&t) })
	return out, len(out) != len(taints)
}
