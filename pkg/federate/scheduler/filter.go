package scheduler

import (
	"fmt"
	"github.com/fleetplane/fleetplane/pkg/federate/clusteraffinity"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
)

// filterInput is what the filters need besides the affinity of the term tried.
type filterInput struct {
	tolerations []corev1.Toleration
	apiVersion  string
	kind        string
	// assigned holds the clusters of the current assignment.
	assigned map[string]bool
}

// filter returns why the cluster cannot take the template, or "" when it can.
// The reason is that of the first failing filter, in this order: affinity,
// taints, API enablement, readiness.
func filter(c *clusterv1alpha1.Cluster, affinity *clusteraffinity.Matcher, in filterInput) string {
	if !affinity.Matches(c) {
		return reasonAffinity
	}
	if t := untoleratedTaint(c.Spec.Taints, in.tolerations, in.assigned[c.Name]); t != nil {
		return fmt.Sprintf("cluster(s) had untolerated taint {%s: %s}", t.Key, t.Value)
	}
	if r := apiReason(c, in.apiVersion, in.kind, in.assigned[c.Name]); r != "" {
		return r
	}
	if !meta.IsStatusConditionTrue(c.Status.Conditions, clusterv1alpha1.ClusterConditionReady) {
		return reasonNotReady
	}
	return ""
}

// untoleratedTaint returns the first taint that keeps the template off the
// cluster. NoSchedule taints only keep new templates off: a cluster the template
// is already assigned to must only tolerate NoExecute. PreferNoSchedule never
// keeps a template off.
func untoleratedTaint(taints []corev1.Taint, tolerations []corev1.Toleration, assigned bool) *corev1.Taint {
	for i := range taints {
		t := &taints[i]
		switch t.Effect {
		case corev1.TaintEffectNoExecute:
		case corev1.TaintEffectNoSchedule:
			if assigned {
				continue
			}
		default:
			continue
		}
		if !tolerates(tolerations, t) {
			return t
		}
	}
	return nil
}

func tolerates(tolerations []corev1.Toleration, t *corev1.Taint) bool {
	for i := range tolerations {
		// Cluster tolerations have no feature gate for the numeric Gt/Lt
		// operators, so they are off; with them off nothing is logged.
		if tolerations[i].ToleratesTaint(logr.Discard(), t, false) {
			return true
		}
	}
	return false
}

// apiReason returns why the cluster is not known to serve the template's kind
// in its group version, or "". A cluster that reported no APIs at all is
// unknown. When discovery was partial (CompleteAPIEnablements=False), a cluster
// the template is already assigned to keeps it rather than losing it to a
// missing entry.
func apiReason(c *clusterv1alpha1.Cluster, apiVersion, kind string, assigned bool) string {
	if len(c.Status.APIEnablements) == 0 {
		return reasonAPIUnknown
	}
	for _, e := range c.Status.APIEnablements {
		if e.GroupVersion != apiVersion {
			continue
		}
		for _, r := range e.Resources {
			if r.Kind == kind {
				return ""
			}
		}
	}
	if assigned && meta.IsStatusConditionFalse(c.Status.Conditions, clusterv1alpha1.ClusterConditionCompleteAPIEnablements) {
		return ""
	}
	return reasonAPIMissing
}
