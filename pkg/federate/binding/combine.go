package binding

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/fleetplane/fleetplane/pkg/federate/statusfields"
)

// CombineStatus returns the fleet-wide status of a template from its members'
// statuses, and false for kinds whose status is not combined. complete says every
// target cluster reported; only then does the template claim to have observed its
// current generation.
func CombineStatus(template *unstructured.Unstructured, members []map[string]any, complete bool) (map[string]any, bool) {
	gk := template.GroupVersionKind().GroupKind()
	out := map[string]any{}
	if fields, ok := statusfields.Summed[gk]; ok {
		for _, f := range fields {
			var sum int64
			for _, m := range members {
				sum += number(m[f])
			}
			if sum != 0 {
				out[f] = sum
			}
		}
		if gk.Kind != "Job" && complete {
			out["observedGeneration"] = template.GetGeneration()
		}
		if gk.Kind == "Job" {
			combineJob(out, members, complete)
		}
		return out, true
	}
	switch gk {
	case schema.GroupKind{Kind: "Service"}:
		var ingress []any
		for _, m := range members {
			lb, _, _ := unstructured.NestedSlice(m, "loadBalancer", "ingress")
			ingress = append(ingress, lb...)
		}
		if len(ingress) > 0 {
			out["loadBalancer"] = map[string]any{"ingress": ingress}
		} else {
			out["loadBalancer"] = map[string]any{}
		}
		return out, true
	case schema.GroupKind{Kind: "Pod"}:
		out["phase"] = podPhase(members, complete)
		return out, true
	}
	return nil, false
}

// combineJob marks the Job complete when every member's Job is, failed when any
// member's failed, and keeps the earliest start and latest completion.
func combineJob(out map[string]any, members []map[string]any, complete bool) {
	completed, failed := complete && len(members) > 0, false
	var start, end string
	for _, m := range members {
		if s, _, _ := unstructured.NestedString(m, "startTime"); s != "" && (start == "" || s < start) {
			start = s
		}
		if e, _, _ := unstructured.NestedString(m, "completionTime"); e != "" && e > end {
			end = e
		}
		done := false
		conds, _, _ := unstructured.NestedSlice(m, "conditions")
		for _, c := range conds {
			cm, _ := c.(map[string]any)
			if cm["status"] != "True" {
				continue
			}
			switch cm["type"] {
			case "Complete":
				done = true
			case "Failed":
				failed = true
			}
		}
		completed = completed && done
	}
	if start != "" {
		out["startTime"] = start
	}
	var conditions []any
	if completed {
		if end != "" {
			out["completionTime"] = end
		}
		conditions = append(conditions, map[string]any{"type": "Complete", "status": "True", "reason": "Completed",
			"message": "the Job completed in every member cluster", "lastProbeTime": end, "lastTransitionTime": end})
	}
	if failed {
		conditions = append(conditions, map[string]any{"type": "Failed", "status": "True", "reason": "FailedInMember",
			"message": "the Job failed in at least one member cluster"})
	}
	if len(conditions) > 0 {
		out["conditions"] = conditions
	}
}

func podPhase(members []map[string]any, complete bool) string {
	if !complete || len(members) == 0 {
		return "Pending"
	}
	counts := map[string]int{}
	for _, m := range members {
		p, _ := m["phase"].(string)
		counts[p]++
	}
	switch {
	case counts["Failed"] > 0:
		return "Failed"
	case counts["Succeeded"] == len(members):
		return "Succeeded"
	case counts["Running"]+counts["Succeeded"] == len(members):
		return "Running"
	}
	return "Pending"
}

func number(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case float64:
		return int64(n)
	case int:
		return int64(n)
	}
	return 0
}
