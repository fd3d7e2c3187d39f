// Package statusfields names the status fields of the workload kinds that the
// control plane adds up across members, and reduces a member object's status to
// the fields worth reporting back.
//
// A member Deployment's status changes four or five times while it starts, and two
// of those changes touch only its conditions' reasons and timestamps. Reporting only
// the counters (as Karmada's default status reflection does) keeps those changes
// from costing a Work, a binding and a template status write each.
package statusfields

import "k8s.io/apimachinery/pkg/runtime/schema"

// Summed are the status counters each workload kind adds up across members.
var Summed = map[schema.GroupKind][]string{
	{Group: "apps", Kind: "Deployment"}:  {"replicas", "readyReplicas", "updatedReplicas", "availableReplicas", "unavailableReplicas"},
	{Group: "apps", Kind: "StatefulSet"}: {"replicas", "readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas"},
	{Group: "apps", Kind: "ReplicaSet"}:  {"replicas", "readyReplicas", "availableReplicas", "fullyLabeledReplicas"},
	{Group: "apps", Kind: "DaemonSet"}: {"currentNumberScheduled", "desiredNumberScheduled", "numberAvailable",
		"numberMisscheduled", "numberReady", "updatedNumberScheduled", "numberUnavailable"},
	{Group: "batch", Kind: "Job"}: {"active", "succeeded", "failed", "ready"},
}

// jobFields are what a Job reports besides its counters: its combined status
// needs them to tell complete from failed.
var jobFields = []string{"startTime", "completionTime", "conditions"}

// Reflect returns the part of a member object's status that is reported to the
// control plane: the counters and observedGeneration of the workload kinds, and
// the whole status of every other kind.
func Reflect(gk schema.GroupKind, status map[string]any) map[string]any {
	fields, ok := Summed[gk]
	if !ok || status == nil {
		return status
	}
	out := map[string]any{}
	keep := func(f string) {
		if v, ok := status[f]; ok {
			out[f] = v
		}
	}
	for _, f := range fields {
		keep(f)
	}
	keep("observedGeneration")
	if gk.Kind == "Job" {
		for _, f := range jobFields {
			keep(f)
		}
	}
	return out
}
