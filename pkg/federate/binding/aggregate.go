package binding

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	workv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha1"
	workv1alpha2 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha2"
	"github.com/fleetplane/fleetplane/pkg/federate/naming"
)

// writeStatus sets the binding's status in one write: the scheduling decision,
// each target cluster's Work status, and whether every Work applied. Then it
// reflects the members' status into the template. While the members are still on
// their way, it writes at most once per statusBatch and returns how long to wait
// before the next try.
func (r *Reconciler) writeStatus(ctx context.Context, b object, template *unstructured.Unstructured, works []workv1alpha1.Work, d decision) (time.Duration, error) {
	items := AggregatedStatus(b.Spec.Clusters, template, works)
	status := b.Status.DeepCopy()
	status.AggregatedStatus = items
	scheduledChanged := meta.SetStatusCondition(&status.Conditions, d.condition)
	if status.SchedulerObservedGeneration != b.GetGeneration() {
		status.SchedulerObservedGeneration = b.GetGeneration()
		now := metav1.Now()
		status.LastScheduledTime = &now
	}
	status.SchedulerObservedAffinityName = d.affinityName
	applied := len(items) > 0
	for _, it := range items {
		applied = applied && it.Applied
	}
	cond := metav1.Condition{Type: workv1alpha2.FullyApplied, Status: metav1.ConditionFalse, Reason: "NotFullyApplied",
		Message: "not every target cluster has applied the resource", ObservedGeneration: b.GetGeneration()}
	if applied {
		cond.Status, cond.Reason, cond.Message = metav1.ConditionTrue, "FullyAppliedSuccess", "All works have been successfully applied"
	}
	meta.SetStatusCondition(&status.Conditions, cond)
	if !apiequality.Semantic.DeepEqual(status, b.Status) {
		// A new schedule, a failed apply and the final state are written at once.
		if !scheduledChanged && status.SchedulerObservedGeneration == b.Status.SchedulerObservedGeneration && !settled(items) {
			if wait := r.holdFor(client.ObjectKeyFromObject(b.Object), b.GetUID()); wait > 0 {
				return wait, nil
			}
		}
		base := b.DeepCopyObject().(client.Object)
		written := status.DeepCopy()
		*b.Status = *status
		// This reconciler is the only writer of the binding's status, so a patch
		// without a resourceVersion precondition cannot lose anyone's update.
		if err := r.Client.Status().Patch(ctx, b.Object, client.MergeFrom(base)); err != nil {
			return 0, err
		}
		r.remember(client.ObjectKeyFromObject(b.Object), b.GetUID(), written)
		if scheduledChanged {
			r.recordScheduling(b, d.condition)
		}
	}
	return 0, r.reflectTemplateStatus(ctx, template, items)
}

// settled reports whether every target cluster has either applied the resource
// and found it healthy, or failed to apply it: no state is expected to follow soon.
func settled(items []workv1alpha2.AggregatedStatusItem) bool {
	for _, it := range items {
		failed := !it.Applied && it.AppliedMessage != ""
		if !failed && (!it.Applied || it.Health != workv1alpha1.ResourceHealthy) {
			return false
		}
	}
	return true
}

// AggregatedStatus returns one item per target cluster, in cluster order, with the
// status of the template's object on that member.
func AggregatedStatus(targets []workv1alpha2.TargetCluster, template *unstructured.Unstructured, works []workv1alpha1.Work) []workv1alpha2.AggregatedStatusItem {
	byCluster := map[string]*workv1alpha1.Work{}
	for i := range works {
		if c, ok := naming.ClusterOfExecutionNamespace(works[i].Namespace); ok {
			byCluster[c] = &works[i]
		}
	}
	gvk := template.GroupVersionKind()
	items := make([]workv1alpha2.AggregatedStatusItem, 0, len(targets))
	for _, t := range targets {
		item := workv1alpha2.AggregatedStatusItem{ClusterName: t.Name, Health: workv1alpha1.ResourceUnknown}
		if w := byCluster[t.Name]; w != nil {
			if c := meta.FindStatusCondition(w.Status.Conditions, workv1alpha1.WorkApplied); c != nil {
				item.Applied = c.Status == metav1.ConditionTrue
				if !item.Applied {
					item.AppliedMessage = c.Message
				}
			}
			for _, ms := range w.Status.ManifestStatuses {
				id := ms.Identifier
				if id.Group == gvk.Group && id.Kind == gvk.Kind && id.Name == template.GetName() && id.Namespace == template.GetNamespace() {
					item.Status = ms.Status.DeepCopy()
					if ms.Health != "" {
						item.Health = ms.Health
					}
				}
			}
		}
		items = append(items, item)
	}
	slices.SortFunc(items, func(a, b workv1alpha2.AggregatedStatusItem) int {
		if a.ClusterName < b.ClusterName {
			return -1
		}
		if a.ClusterName > b.ClusterName {
			return 1
		}
		return 0
	})
	return items
}

// reflectTemplateStatus writes the members' combined status into the template's
// status subresource, for the kinds whose status has a meaning fleet-wide.
func (r *Reconciler) reflectTemplateStatus(ctx context.Context, template *unstructured.Unstructured, items []workv1alpha2.AggregatedStatusItem) error {
	statuses := make([]map[string]any, 0, len(items))
	for _, it := range items {
		if it.Status == nil || len(it.Status.Raw) == 0 {
			continue
		}
		var s map[string]any
		if err := json.Unmarshal(it.Status.Raw, &s); err == nil {
			statuses = append(statuses, s)
		}
	}
	combined, ok := CombineStatus(template, statuses, len(statuses) == len(items))
	if !ok {
		return nil
	}
	current, _, _ := unstructured.NestedMap(template.Object, "status")
	if apiequality.Semantic.DeepEqual(normalize(current), normalize(combined)) {
		return nil
	}
	// A merge patch of the status subresource: this reconciler is the only writer of
	// a template's status, and a patch needs no resourceVersion, so the template's
	// own edits never make it conflict. Fields that dropped out are cleared.
	patch := map[string]any{}
	for k := range current {
		patch[k] = nil
	}
	for k, v := range combined {
		patch[k] = v
	}
	body, err := json.Marshal(map[string]any{"status": patch})
	if err != nil {
		return err
	}
	gvr, err := r.resourceOf(template.GroupVersionKind())
	if err != nil {
		return err
	}
	_, err = r.Dynamic.Resource(gvr).Namespace(template.GetNamespace()).Patch(ctx, template.GetName(), types.MergePatchType,
		body, metav1.PatchOptions{}, "status")
	if err != nil {
		return fmt.Errorf("updating the status of %s %s: %w", template.GetKind(), template.GetName(), err)
	}
	return nil
}

// normalize round-trips through JSON so int64 and float64 numbers compare equal.
func normalize(m map[string]any) map[string]any {
	raw, _ := json.Marshal(m)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return out
}

func (r *Reconciler) resourceOf(gvk schema.GroupVersionKind) (schema.GroupVersionResource, error) {
	mapping, err := r.Client.RESTMapper().RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return schema.GroupVersionResource{}, err
	}
	return mapping.Resource, nil
}
