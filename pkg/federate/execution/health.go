package execution

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	workv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha1"
)

const (
	healthy   = workv1alpha1.ResourceHealthy
	unhealthy = workv1alpha1.ResourceUnhealthy
	unknown   = workv1alpha1.ResourceUnknown
)

// healthRules judge the health of the kinds whose status says whether they
// serve. Kinds that hold only data are healthy once they exist.
var healthRules = map[schema.GroupKind]func(*unstructured.Unstructured) workv1alpha1.ResourceHealth{
	{Group: "apps", Kind: "Deployment"}:                               replicasHealth("readyReplicas", "updatedReplicas"),
	{Group: "apps", Kind: "StatefulSet"}:                              replicasHealth("readyReplicas", "updatedReplicas"),
	{Group: "apps", Kind: "ReplicaSet"}:                               replicasHealth("readyReplicas"),
	{Group: "apps", Kind: "DaemonSet"}:                                daemonSetHealth,
	{Group: "batch", Kind: "Job"}:                                     jobHealth,
	{Kind: "Pod"}:                                                     phaseHealth(map[string]workv1alpha1.ResourceHealth{"Running": healthy, "Succeeded": healthy, "Pending": unhealthy, "Failed": unhealthy}),
	{Kind: "PersistentVolumeClaim"}:                                   phaseHealth(map[string]workv1alpha1.ResourceHealth{"Bound": healthy, "Pending": unhealthy, "Lost": unhealthy}),
	{Kind: "Namespace"}:                                               phaseHealth(map[string]workv1alpha1.ResourceHealth{"Active": healthy, "Terminating": unhealthy}),
	{Kind: "Service"}:                                                 exists,
	{Kind: "ConfigMap"}:                                               exists,
	{Kind: "Secret"}:                                                  exists,
	{Kind: "ServiceAccount"}:                                          exists,
	{Kind: "LimitRange"}:                                              exists,
	{Kind: "ResourceQuota"}:                                           exists,
	{Kind: "Endpoints"}:                                               exists,
	{Group: "batch", Kind: "CronJob"}:                                 exists,
	{Group: "networking.k8s.io", Kind: "Ingress"}:                     exists,
	{Group: "networking.k8s.io", Kind: "NetworkPolicy"}:               exists,
	{Group: "policy", Kind: "PodDisruptionBudget"}:                    exists,
	{Group: "rbac.authorization.k8s.io", Kind: "Role"}:                exists,
	{Group: "rbac.authorization.k8s.io", Kind: "RoleBinding"}:         exists,
	{Group: "rbac.authorization.k8s.io", Kind: "ClusterRole"}:         exists,
	{Group: "rbac.authorization.k8s.io", Kind: "ClusterRoleBinding"}:  exists,
	{Group: "autoscaling", Kind: "HorizontalPodAutoscaler"}:           exists,
	{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition"}: conditionHealth,
}

// health judges the health of a member object by the rule for its kind; kinds
// without a rule are judged by a Ready or Available condition if they report one.
func health(obj *unstructured.Unstructured) workv1alpha1.ResourceHealth {
	if obj == nil {
		return unknown
	}
	if obj.GetDeletionTimestamp() != nil {
		return unhealthy
	}
	if rule, ok := healthRules[obj.GroupVersionKind().GroupKind()]; ok {
		return rule(obj)
	}
	return conditionHealth(obj)
}

func exists(*unstructured.Unstructured) workv1alpha1.ResourceHealth { return healthy }

// observed reports whether the object's controller has seen its latest spec.
func observed(obj *unstructured.Unstructured) bool {
	g, found, _ := unstructured.NestedInt64(obj.Object, "status", "observedGeneration")
	return found && g >= obj.GetGeneration()
}

// replicasHealth is healthy when the controller has seen the latest spec and
// every counter in fields reaches spec.replicas (1 when unset).
func replicasHealth(fields ...string) func(*unstructured.Unstructured) workv1alpha1.ResourceHealth {
	return func(obj *unstructured.Unstructured) workv1alpha1.ResourceHealth {
		if !observed(obj) {
			return unhealthy
		}
		want, found, _ := unstructured.NestedInt64(obj.Object, "spec", "replicas")
		if !found {
			want = 1
		}
		for _, f := range fields {
			if got, _, _ := unstructured.NestedInt64(obj.Object, "status", f); got < want {
				return unhealthy
			}
		}
		return healthy
	}
}

func daemonSetHealth(obj *unstructured.Unstructured) workv1alpha1.ResourceHealth {
	if !observed(obj) {
		return unhealthy
	}
	want, _, _ := unstructured.NestedInt64(obj.Object, "status", "desiredNumberScheduled")
	ready, _, _ := unstructured.NestedInt64(obj.Object, "status", "numberReady")
	updated, _, _ := unstructured.NestedInt64(obj.Object, "status", "updatedNumberScheduled")
	if ready < want || updated < want {
		return unhealthy
	}
	return healthy
}

// jobHealth is healthy once the Job completed, unhealthy once it failed, and
// unknown while it runs.
func jobHealth(obj *unstructured.Unstructured) workv1alpha1.ResourceHealth {
	switch {
	case conditionTrue(obj, "Complete"):
		return healthy
	case conditionTrue(obj, "Failed"):
		return unhealthy
	}
	return unknown
}

func phaseHealth(phases map[string]workv1alpha1.ResourceHealth) func(*unstructured.Unstructured) workv1alpha1.ResourceHealth {
	return func(obj *unstructured.Unstructured) workv1alpha1.ResourceHealth {
		phase, _, _ := unstructured.NestedString(obj.Object, "status", "phase")
		if h, ok := phases[phase]; ok {
			return h
		}
		return unknown
	}
}

// conditionHealth reads a Ready, Available or Established condition.
func conditionHealth(obj *unstructured.Unstructured) workv1alpha1.ResourceHealth {
	for _, t := range []string{"Ready", "Available", "Established"} {
		switch conditionStatus(obj, t) {
		case "True":
			return healthy
		case "False":
			return unhealthy
		}
	}
	return unknown
}

func conditionTrue(obj *unstructured.Unstructured, condType string) bool {
	return conditionStatus(obj, condType) == "True"
}

// conditionStatus returns the status of a condition in status.conditions, or ""
// when there is none of that type.
func conditionStatus(obj *unstructured.Unstructured, condType string) string {
	conds, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, c := range conds {
		m, ok := c.(map[string]any)
		if !ok || m["type"] != condType {
			continue
		}
		s, _ := m["status"].(string)
		return s
	}
	return ""
}
