package collector

import (
	"context"
	"fmt"
	"strings"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	searchv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/search/v1alpha1"
)

// ConditionReady is the condition of a ResourceRegistry that says whether every
// shard it asks for has been listed into the cache.
const ConditionReady = "Ready"

// updateStatus sets the registry's Ready condition from its shards and
// problems, writing only when it changed.
func (c *Collector) updateStatus(ctx context.Context, r *searchv1alpha1.ResourceRegistry, shards []shardID, problems []string) error {
	cond := metav1.Condition{Type: ConditionReady, ObservedGeneration: r.Generation}
	var syncing []string
	for _, id := range shards {
		if run, ok := c.running[id]; ok && !run.shard.Synced() {
			syncing = append(syncing, id.cluster+"/"+id.gvr.Resource)
		}
	}
	switch {
	case len(problems) > 0:
		cond.Status, cond.Reason = metav1.ConditionFalse, "ResourceUnavailable"
		cond.Message = strings.Join(problems, "; ")
	case len(syncing) > 0:
		cond.Status, cond.Reason = metav1.ConditionFalse, "Syncing"
		cond.Message = "listing " + strings.Join(syncing, ", ")
	default:
		cond.Status, cond.Reason = metav1.ConditionTrue, "Synced"
		cond.Message = fmt.Sprintf("%d cluster resource(s) cached", len(shards))
	}
	if have := apimeta.FindStatusCondition(r.Status.Conditions, ConditionReady); have != nil &&
		have.Status == cond.Status && have.Reason == cond.Reason && have.Message == cond.Message && have.ObservedGeneration == cond.ObservedGeneration {
		return nil
	}
	out := r.DeepCopy()
	apimeta.SetStatusCondition(&out.Status.Conditions, cond)
	return c.Registries.UpdateStatus(ctx, out)
}
