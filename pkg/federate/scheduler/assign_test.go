package scheduler

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha2"
)

func TestScheduleReplicas(t *testing.T) {
	aggregatedPlacement := &policyv1alpha1.Placement{ReplicaScheduling: divided(policyv1alpha1.ReplicaDivisionPreferenceAggregated, nil)}
	dynamicPlacement := &policyv1alpha1.Placement{ReplicaScheduling: byAvailableReplicas()}
	tests := []struct {
		name      string
		placement *policyv1alpha1.Placement
		replicas  int32
		request   corev1.ResourceList
		clusters  []*clusterv1alpha1.Cluster
		want      []workv1alpha2.TargetCluster
		wantErr   string
	}{
		{
			name: "duplicated",
			placement: &policyv1alpha1.Placement{ReplicaScheduling: &policyv1alpha1.ReplicaSchedulingStrategy{
				ReplicaSchedulingType: policyv1alpha1.ReplicaSchedulingTypeDuplicated,
			}},
			replicas: 5,
			clusters: []*clusterv1alpha1.Cluster{newCluster("a"), newCluster("b")},
			want:     targets("a", 5, "b", 5),
		},
		{
			name:      "static weights 1:2 on 9",
			placement: &policyv1alpha1.Placement{ReplicaScheduling: weightsByName("a", 1, "b", 2)},
			replicas:  9,
			clusters:  []*clusterv1alpha1.Cluster{newCluster("a"), newCluster("b")},
			want:      targets("a", 3, "b", 6),
		},
		{
			name:      "static weights: unlisted clusters get nothing",
			placement: &policyv1alpha1.Placement{ReplicaScheduling: weightsByName("a", 1, "b", 2)},
			replicas:  9,
			clusters:  []*clusterv1alpha1.Cluster{newCluster("a"), newCluster("b"), newCluster("c")},
			want:      targets("a", 3, "b", 6),
		},
		{
			name:      "static weights: no cluster weighted",
			placement: &policyv1alpha1.Placement{ReplicaScheduling: weightsByName("x", 1)},
			replicas:  9,
			clusters:  []*clusterv1alpha1.Cluster{newCluster("a"), newCluster("b")},
			wantErr:   "0/2 clusters are available: 2 cluster(s) did not match any static weight.",
		},
		{
			name: "static weights: the largest matching weight counts",
			placement: &policyv1alpha1.Placement{ReplicaScheduling: divided("", &policyv1alpha1.ClusterPreferences{StaticWeightList: []policyv1alpha1.StaticClusterWeight{
				{TargetCluster: policyv1alpha1.ClusterAffinity{LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}}}, Weight: 1},
				{TargetCluster: policyv1alpha1.ClusterAffinity{ClusterNames: []string{"a"}}, Weight: 3},
			}})},
			replicas: 8,
			clusters: []*clusterv1alpha1.Cluster{newCluster("a", withLabels("env", "prod")), newCluster("b", withLabels("env", "prod"))},
			want:     targets("a", 6, "b", 2),
		},
		{
			name:      "divided without preference: equal weights, leftovers by name",
			placement: &policyv1alpha1.Placement{ReplicaScheduling: &policyv1alpha1.ReplicaSchedulingStrategy{ReplicaSchedulingType: policyv1alpha1.ReplicaSchedulingTypeDivided}},
			replicas:  10,
			clusters:  []*clusterv1alpha1.Cluster{newCluster("c"), newCluster("b"), newCluster("a")},
			want:      targets("a", 4, "b", 3, "c", 3),
		},
		{
			name:      "weighted without weights: equal, clusters without replicas left out",
			placement: &policyv1alpha1.Placement{ReplicaScheduling: divided(policyv1alpha1.ReplicaDivisionPreferenceWeighted, nil)},
			replicas:  2,
			clusters:  []*clusterv1alpha1.Cluster{newCluster("a"), newCluster("b"), newCluster("c")},
			want:      targets("a", 1, "b", 1),
		},
		{
			name:      "dynamic weights by free pods",
			placement: dynamicPlacement,
			replicas:  8,
			clusters:  []*clusterv1alpha1.Cluster{newCluster("a", withPods("10")), newCluster("b", withPods("30"))},
			want:      targets("a", 2, "b", 6),
		},
		{
			name:      "dynamic weights by free cpu",
			placement: dynamicPlacement,
			replicas:  6,
			request:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")},
			clusters: []*clusterv1alpha1.Cluster{
				newCluster("a", withResources([]string{"pods", "100", "cpu", "6"}, []string{"cpu", "2"})),
				newCluster("b", withResources([]string{"pods", "100", "cpu", "8"}, nil)),
				newCluster("c", withResources([]string{"pods", "100", "cpu", "2"}, []string{"cpu", "2"})),
			},
			want: targets("a", 2, "b", 4),
		},
		{
			name:      "dynamic weights: not enough room",
			placement: dynamicPlacement,
			replicas:  9,
			clusters: []*clusterv1alpha1.Cluster{
				newCluster("a", withPods("2")), newCluster("b", withPods("3")),
				newCluster("c", withTaint("key", "value", corev1.TaintEffectNoSchedule)),
			},
			wantErr: "0/3 clusters are available: 1 cluster(s) had untolerated taint {key: value}, 2 cluster(s) had insufficient resources. 5 replica(s) can be added, 9 needed.",
		},
		{
			name:      "aggregated: as few clusters as possible",
			placement: aggregatedPlacement,
			replicas:  12,
			clusters:  []*clusterv1alpha1.Cluster{newCluster("a", withPods("10")), newCluster("b", withPods("5")), newCluster("c", withPods("3"))},
			want:      targets("a", 8, "b", 4),
		},
		{
			name:      "aggregated: one cluster is enough",
			placement: aggregatedPlacement,
			replicas:  7,
			clusters:  []*clusterv1alpha1.Cluster{newCluster("a", withPods("10")), newCluster("b", withPods("5"))},
			want:      targets("a", 7),
		},
		{
			name:      "aggregated: equal room, by name",
			placement: aggregatedPlacement,
			replicas:  3,
			clusters:  []*clusterv1alpha1.Cluster{newCluster("b", withPods("5")), newCluster("a", withPods("5"))},
			want:      targets("a", 3),
		},
		{
			name:      "aggregated: not enough room",
			placement: aggregatedPlacement,
			replicas:  20,
			clusters:  []*clusterv1alpha1.Cluster{newCluster("a", withPods("10")), newCluster("b", withPods("5"))},
			wantErr:   "0/2 clusters are available: 2 cluster(s) had insufficient resources. 15 replica(s) can be added, 20 needed.",
		},
		{
			name: "spread clusters not chosen are named in the diagnosis",
			placement: &policyv1alpha1.Placement{
				SpreadConstraints: []policyv1alpha1.SpreadConstraint{byField(policyv1alpha1.SpreadByFieldCluster, 1, 1)},
				ReplicaScheduling: byAvailableReplicas(),
			},
			replicas: 20,
			clusters: []*clusterv1alpha1.Cluster{newCluster("a", withPods("10")), newCluster("b", withPods("15"))},
			wantErr:  "0/2 clusters are available: 1 cluster(s) had insufficient resources, 1 cluster(s) were not selected by the spread constraints. 15 replica(s) can be added, 20 needed.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := deployment(tt.placement, tt.replicas, tt.clusters...)
			if tt.request != nil {
				in.ReplicaRequirements = &workv1alpha2.ReplicaRequirements{ResourceRequest: tt.request}
			}
			check(t, in, tt.want, tt.wantErr)
		})
	}
}

// step is one scheduling round of a scenario: the input changes, and the
// previous round's result becomes the current assignment.
type step struct {
	replicas int32
	clusters []*clusterv1alpha1.Cluster // nil keeps the previous round's
	want     []workv1alpha2.TargetCluster
}

func TestScheduleSteady(t *testing.T) {
	twoClusters := []*clusterv1alpha1.Cluster{newCluster("a", withPods("10")), newCluster("b", withPods("30"))}
	threeClusters := []*clusterv1alpha1.Cluster{newCluster("a"), newCluster("b"), newCluster("c")}
	tests := []struct {
		name      string
		placement *policyv1alpha1.Placement
		current   []workv1alpha2.TargetCluster
		steps     []step
	}{
		{
			name:      "static weights scale 9 to 12 to 4",
			placement: &policyv1alpha1.Placement{ReplicaScheduling: weightsByName("a", 1, "b", 2)},
			steps: []step{
				{replicas: 9, clusters: twoClusters, want: targets("a", 3, "b", 6)},
				{replicas: 12, want: targets("a", 4, "b", 8)},
				{replicas: 4, want: targets("a", 1, "b", 3)},
			},
		},
		{
			name:      "an unrelated change keeps an off-weight assignment",
			placement: &policyv1alpha1.Placement{ReplicaScheduling: weightsByName("a", 1, "b", 2)},
			current:   targets("a", 5, "b", 4),
			steps: []step{
				{replicas: 9, clusters: twoClusters, want: targets("a", 5, "b", 4)},
				{replicas: 9, clusters: []*clusterv1alpha1.Cluster{newCluster("a", withLabels("new", "label")), newCluster("b", withPods("1"))}, want: targets("a", 5, "b", 4)},
			},
		},
		{
			name:      "scaling moves only the difference",
			placement: &policyv1alpha1.Placement{ReplicaScheduling: weightsByName("a", 1, "b", 2)},
			current:   targets("a", 5, "b", 4),
			steps: []step{
				{replicas: 12, clusters: twoClusters, want: targets("a", 6, "b", 6)},
				{replicas: 3, want: targets("a", 3)},
			},
		},
		{
			name:      "dynamic weights: scale up by free room, down by current replicas",
			placement: &policyv1alpha1.Placement{ReplicaScheduling: byAvailableReplicas()},
			current:   targets("a", 5, "b", 5),
			steps: []step{
				{replicas: 14, clusters: twoClusters, want: targets("a", 6, "b", 8)},
				{replicas: 7, want: targets("a", 3, "b", 4)},
				{replicas: 7, clusters: []*clusterv1alpha1.Cluster{newCluster("a", withPods("1")), newCluster("b", withPods("90"))}, want: targets("a", 3, "b", 4)},
			},
		},
		{
			name:      "dynamic weights: the difference must fit",
			placement: &policyv1alpha1.Placement{ReplicaScheduling: byAvailableReplicas()},
			current:   targets("a", 8),
			steps: []step{
				{replicas: 12, clusters: []*clusterv1alpha1.Cluster{newCluster("a", withPods("4"))}, want: targets("a", 12)},
			},
		},
		{
			name:      "aggregated scale-up fills the clusters already used",
			placement: &policyv1alpha1.Placement{ReplicaScheduling: divided(policyv1alpha1.ReplicaDivisionPreferenceAggregated, nil)},
			current:   targets("a", 2),
			steps: []step{
				{replicas: 6, clusters: twoClusters, want: targets("a", 6)},
				{replicas: 20, want: targets("a", 10, "b", 10)},
			},
		},
		{
			name:      "a cluster leaves: only its replicas move",
			placement: &policyv1alpha1.Placement{ReplicaScheduling: divided("", nil)},
			steps: []step{
				{replicas: 9, clusters: threeClusters, want: targets("a", 3, "b", 3, "c", 3)},
				{replicas: 9, clusters: threeClusters[:2], want: targets("a", 5, "b", 4)},
				{replicas: 9, clusters: threeClusters, want: targets("a", 5, "b", 4)},
			},
		},
		{
			name:      "a later NoSchedule taint does not evict, NoExecute does",
			placement: &policyv1alpha1.Placement{ReplicaScheduling: divided("", nil)},
			steps: []step{
				{replicas: 4, clusters: threeClusters[:2], want: targets("a", 2, "b", 2)},
				{replicas: 4, clusters: []*clusterv1alpha1.Cluster{newCluster("a"), newCluster("b", withTaint("k", "", corev1.TaintEffectNoSchedule))}, want: targets("a", 2, "b", 2)},
				{replicas: 4, clusters: []*clusterv1alpha1.Cluster{newCluster("a"), newCluster("b", withTaint("k", "", corev1.TaintEffectNoExecute))}, want: targets("a", 4)},
			},
		},
		{
			name:      "an unready cluster's replicas move",
			placement: &policyv1alpha1.Placement{ReplicaScheduling: weightsByName("a", 1, "b", 1, "c", 2)},
			current:   targets("a", 2, "b", 2, "c", 4),
			steps: []step{
				{replicas: 8, clusters: []*clusterv1alpha1.Cluster{newCluster("a"), newCluster("b"), newCluster("c", withCondition(clusterv1alpha1.ClusterConditionReady, metav1.ConditionUnknown))}, want: targets("a", 4, "b", 4)},
			},
		},
		{
			name:    "duplicated: unchanged input, unchanged result",
			current: targets("a", 3, "b", 3),
			steps: []step{
				{replicas: 3, clusters: threeClusters[:2], want: targets("a", 3, "b", 3)},
				{replicas: 5, want: targets("a", 5, "b", 5)},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			current, clusters := tt.current, []*clusterv1alpha1.Cluster(nil)
			for i, s := range tt.steps {
				if s.clusters != nil {
					clusters = s.clusters
				}
				in := deployment(tt.placement, s.replicas, clusters...)
				in.Current = current
				got, _ := check(t, in, s.want, "")
				if t.Failed() {
					t.Fatalf("step %d failed", i)
				}
				current = got.Clusters
			}
		})
	}
}
