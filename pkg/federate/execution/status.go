package execution

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	workv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/federate/statusfields"
)

// Reasons of the conditions this controller sets on Works.
const (
	ReasonAppliedSuccessful = "AppliedSuccessful"
	ReasonAppliedFailed     = "AppliedFailed"
	// ReasonConflict means a manifest's object exists on the member and may not
	// be taken over.
	ReasonConflict = "ConflictResolvedFailed"

	ReasonDispatching = "Dispatching"
	ReasonSuspended   = "SuspendDispatching"

	ReasonHealthy       = "AllResourcesHealthy"
	ReasonUnhealthy     = "ResourcesUnhealthy"
	ReasonHealthUnknown = "ResourcesHealthUnknown"
)

// maxMessage bounds a condition message.
const maxMessage = 4096

// outcome is what became of one manifest in this reconcile.
type outcome struct {
	// d is nil when the manifest could not be decoded or mapped.
	d *desired
	// live is the object on the member; nil when it is unknown, or not ours.
	live *unstructured.Unstructured
	err  error
}

// newStatus returns the status of a Work after this reconcile: current (the
// status last known to be on the control plane) with the conditions and manifest
// statuses replaced. Applied is left alone while dispatching is suspended.
func newStatus(current *workv1alpha1.WorkStatus, generation int64, cluster string, outcomes []outcome, suspended bool) (*workv1alpha1.WorkStatus, error) {
	status := current.DeepCopy()
	statuses, err := manifestStatuses(current.ManifestStatuses, outcomes)
	if err != nil {
		return nil, err
	}
	status.ManifestStatuses = statuses
	set := func(condType string, s metav1.ConditionStatus, reason, message string) {
		meta.SetStatusCondition(&status.Conditions, metav1.Condition{
			Type: condType, Status: s, Reason: reason, Message: truncate(message), ObservedGeneration: generation,
		})
	}
	if suspended {
		set(workv1alpha1.WorkDispatching, metav1.ConditionFalse, ReasonSuspended,
			"spec.suspendDispatching is true: the manifests are not applied to "+cluster)
	} else {
		set(workv1alpha1.WorkDispatching, metav1.ConditionTrue, ReasonDispatching, "the manifests are applied to "+cluster)
		s, reason, message := applied(cluster, outcomes)
		set(workv1alpha1.WorkApplied, s, reason, message)
	}
	s, reason, message := available(len(outcomes), statuses)
	set(workv1alpha1.WorkAvailable, s, reason, message)
	return status, nil
}

// manifestStatuses reports each manifest whose object is known. A manifest whose
// apply failed for a passing reason keeps the status it had.
func manifestStatuses(previous []workv1alpha1.ManifestStatus, outcomes []outcome) ([]workv1alpha1.ManifestStatus, error) {
	var out []workv1alpha1.ManifestStatus
	for _, o := range outcomes {
		if o.d == nil {
			continue
		}
		if o.live == nil {
			var conflict *ConflictError
			if o.err != nil && !errors.As(o.err, &conflict) {
				for _, p := range previous {
					if p.Identifier == o.d.id {
						out = append(out, p)
					}
				}
			}
			continue
		}
		ms, err := manifestStatus(o.d.id, o.live)
		if err != nil {
			return nil, err
		}
		out = append(out, ms)
	}
	return out, nil
}

// manifestStatus reports a member object's status and health.
func manifestStatus(id workv1alpha1.ResourceIdentifier, live *unstructured.Unstructured) (workv1alpha1.ManifestStatus, error) {
	ms := workv1alpha1.ManifestStatus{Identifier: id, Health: health(live)}
	if s, ok := live.Object["status"].(map[string]any); ok && s != nil {
		raw, err := json.Marshal(statusfields.Reflect(live.GroupVersionKind().GroupKind(), s))
		if err != nil {
			return ms, fmt.Errorf("encoding the status of %s %s: %w", id.Kind, id.Name, err)
		}
		ms.Status = &runtime.RawExtension{Raw: raw}
	}
	return ms, nil
}

// applied returns the Applied condition for the outcomes.
func applied(cluster string, outcomes []outcome) (metav1.ConditionStatus, string, string) {
	var msgs []string
	reason := ReasonAppliedFailed
	for _, o := range outcomes {
		if o.err == nil {
			continue
		}
		var conflict *ConflictError
		if errors.As(o.err, &conflict) {
			reason = ReasonConflict
		}
		msgs = append(msgs, o.err.Error())
	}
	if len(msgs) > 0 {
		return metav1.ConditionFalse, reason, strings.Join(msgs, "; ")
	}
	return metav1.ConditionTrue, ReasonAppliedSuccessful, fmt.Sprintf("%d manifest(s) applied to %s", len(outcomes), cluster)
}

// available returns the Available condition: True when every manifest's object
// is healthy, False when one is unhealthy, Unknown otherwise.
func available(manifests int, statuses []workv1alpha1.ManifestStatus) (metav1.ConditionStatus, string, string) {
	var sick, unsure []string
	for _, s := range statuses {
		switch s.Health {
		case workv1alpha1.ResourceHealthy:
		case workv1alpha1.ResourceUnhealthy:
			sick = append(sick, s.Identifier.Kind+" "+s.Identifier.Name)
		default:
			unsure = append(unsure, s.Identifier.Kind+" "+s.Identifier.Name)
		}
	}
	switch {
	case len(sick) > 0:
		return metav1.ConditionFalse, ReasonUnhealthy, "unhealthy: " + strings.Join(sick, ", ")
	case len(statuses) < manifests:
		return metav1.ConditionUnknown, ReasonHealthUnknown,
			fmt.Sprintf("the objects of %d of %d manifest(s) are not known yet", manifests-len(statuses), manifests)
	case len(unsure) > 0:
		return metav1.ConditionUnknown, ReasonHealthUnknown, "health unknown: " + strings.Join(unsure, ", ")
	}
	return metav1.ConditionTrue, ReasonHealthy, "every object is healthy"
}

func truncate(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	return s[:maxMessage-3] + "..."
}

// statusEqual reports whether two Work statuses say the same. Raw object
// statuses are compared by content, not by encoding.
func statusEqual(a, b *workv1alpha1.WorkStatus) bool {
	if !apiequality.Semantic.DeepEqual(a.Conditions, b.Conditions) || len(a.ManifestStatuses) != len(b.ManifestStatuses) {
		return false
	}
	for i := range a.ManifestStatuses {
		x, y := a.ManifestStatuses[i], b.ManifestStatuses[i]
		if x.Identifier != y.Identifier || x.Health != y.Health || !rawEqual(x.Status, y.Status) {
			return false
		}
	}
	return true
}

func rawEqual(a, b *runtime.RawExtension) bool {
	if a == nil || b == nil {
		return a == b
	}
	if bytes.Equal(a.Raw, b.Raw) {
		return true
	}
	var x, y any
	if json.Unmarshal(a.Raw, &x) != nil || json.Unmarshal(b.Raw, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
