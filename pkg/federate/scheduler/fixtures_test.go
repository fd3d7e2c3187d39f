package scheduler

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha2"
)

// clusterOption changes a test cluster.
type clusterOption func(*clusterv1alpha1.Cluster)

// newCluster returns a Ready cluster serving apps/v1 Deployments with room for
// 100 pods and plenty of cpu and memory.
func newCluster(name string, opts ...clusterOption) *clusterv1alpha1.Cluster {
	c := &clusterv1alpha1.Cluster{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Status: clusterv1alpha1.ClusterStatus{
			APIEnablements: []clusterv1alpha1.APIEnablement{
				{GroupVersion: "v1", Resources: []clusterv1alpha1.APIResource{{Name: "configmaps", Kind: "ConfigMap"}}},
				{GroupVersion: "apps/v1", Resources: []clusterv1alpha1.APIResource{{Name: "deployments", Kind: "Deployment"}}},
			},
			Conditions: []metav1.Condition{{Type: clusterv1alpha1.ClusterConditionReady, Status: metav1.ConditionTrue}},
			ResourceSummary: &clusterv1alpha1.ResourceSummary{
				Allocatable: corev1.ResourceList{
					corev1.ResourcePods:   resource.MustParse("100"),
					corev1.ResourceCPU:    resource.MustParse("1000"),
					corev1.ResourceMemory: resource.MustParse("1000Gi"),
				},
			},
		},
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

func withLabels(kv ...string) clusterOption {
	return func(c *clusterv1alpha1.Cluster) {
		if c.Labels == nil {
			c.Labels = map[string]string{}
		}
		for i := 0; i+1 < len(kv); i += 2 {
			c.Labels[kv[i]] = kv[i+1]
		}
	}
}

func withRegion(r string) clusterOption {
	return func(c *clusterv1alpha1.Cluster) { c.Spec.Region = r }
}

func withProvider(p string) clusterOption {
	return func(c *clusterv1alpha1.Cluster) { c.Spec.Provider = p }
}

func withZone(z string) clusterOption {
	return func(c *clusterv1alpha1.Cluster) { c.Spec.Zone = z }
}

func withZones(z ...string) clusterOption {
	return func(c *clusterv1alpha1.Cluster) { c.Spec.Zones = z }
}

func withTaint(key, value string, effect corev1.TaintEffect) clusterOption {
	return func(c *clusterv1alpha1.Cluster) {
		c.Spec.Taints = append(c.Spec.Taints, corev1.Taint{Key: key, Value: value, Effect: effect})
	}
}

func withCondition(typ string, status metav1.ConditionStatus) clusterOption {
	return func(c *clusterv1alpha1.Cluster) {
		for i := range c.Status.Conditions {
			if c.Status.Conditions[i].Type == typ {
				c.Status.Conditions[i].Status = status
				return
			}
		}
		c.Status.Conditions = append(c.Status.Conditions, metav1.Condition{Type: typ, Status: status})
	}
}

func withAPIs(e ...clusterv1alpha1.APIEnablement) clusterOption {
	return func(c *clusterv1alpha1.Cluster) { c.Status.APIEnablements = e }
}

// withResources sets the summary: allocatable and allocated as name/quantity
// pairs, e.g. withResources([]string{"pods", "10", "cpu", "8"}, []string{"cpu", "2"}).
func withResources(allocatable, allocated []string) clusterOption {
	list := func(kv []string) corev1.ResourceList {
		l := corev1.ResourceList{}
		for i := 0; i+1 < len(kv); i += 2 {
			l[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
		}
		return l
	}
	return func(c *clusterv1alpha1.Cluster) {
		c.Status.ResourceSummary = &clusterv1alpha1.ResourceSummary{Allocatable: list(allocatable), Allocated: list(allocated)}
	}
}

// withPods leaves room for n pods and nothing else limiting.
func withPods(n string) clusterOption {
	return withResources([]string{"pods", n, "cpu", "1000", "memory", "1000Gi"}, nil)
}

func targets(kv ...any) []workv1alpha2.TargetCluster {
	var out []workv1alpha2.TargetCluster
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, workv1alpha2.TargetCluster{Name: kv[i].(string), Replicas: int32(kv[i+1].(int))})
	}
	return out
}

func deployment(p *policyv1alpha1.Placement, replicas int32, clusters ...*clusterv1alpha1.Cluster) Input {
	return Input{Placement: p, APIVersion: "apps/v1", Kind: "Deployment", Replicas: replicas, Clusters: clusters}
}

func divided(pref policyv1alpha1.ReplicaDivisionPreference, wp *policyv1alpha1.ClusterPreferences) *policyv1alpha1.ReplicaSchedulingStrategy {
	return &policyv1alpha1.ReplicaSchedulingStrategy{
		ReplicaSchedulingType:     policyv1alpha1.ReplicaSchedulingTypeDivided,
		ReplicaDivisionPreference: pref,
		WeightPreference:          wp,
	}
}

func weightsByName(kv ...any) *policyv1alpha1.ReplicaSchedulingStrategy {
	wp := &policyv1alpha1.ClusterPreferences{}
	for i := 0; i+1 < len(kv); i += 2 {
		wp.StaticWeightList = append(wp.StaticWeightList, policyv1alpha1.StaticClusterWeight{
			TargetCluster: policyv1alpha1.ClusterAffinity{ClusterNames: []string{kv[i].(string)}},
			Weight:        int64(kv[i+1].(int)),
		})
	}
	return divided(policyv1alpha1.ReplicaDivisionPreferenceWeighted, wp)
}

func byAvailableReplicas() *policyv1alpha1.ReplicaSchedulingStrategy {
	return divided(policyv1alpha1.ReplicaDivisionPreferenceWeighted,
		&policyv1alpha1.ClusterPreferences{DynamicWeight: policyv1alpha1.DynamicWeightByAvailableReplicas})
}

func fieldSelector(key string, op corev1.NodeSelectorOperator, values ...string) *policyv1alpha1.FieldSelector {
	return &policyv1alpha1.FieldSelector{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: key, Operator: op, Values: values}}}
}
