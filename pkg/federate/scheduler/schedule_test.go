package scheduler

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha2"
)

// check runs Schedule and compares either the clusters or the error message.
// It returns the result, or the error when one was wanted.
func check(t *testing.T, in Input, want []workv1alpha2.TargetCluster, wantErr string) (Result, *UnschedulableError) {
	t.Helper()
	got, err := Schedule(in)
	if wantErr != "" {
		var ue *UnschedulableError
		if !errors.As(err, &ue) {
			t.Fatalf("Schedule() error = %v, want an *UnschedulableError", err)
		}
		if diff := cmp.Diff(wantErr, err.Error()); diff != "" {
			t.Errorf("Schedule() error message (-want +got):\n%s", diff)
		}
		return got, ue
	}
	if err != nil {
		t.Fatalf("Schedule() error = %v", err)
	}
	if diff := cmp.Diff(want, got.Clusters); diff != "" {
		t.Errorf("Schedule() clusters (-want +got):\n%s", diff)
	}
	return got, nil
}

func TestScheduleFilters(t *testing.T) {
	taint := withTaint("key", "value", corev1.TaintEffectNoSchedule)
	notReady := withCondition(clusterv1alpha1.ClusterConditionReady, metav1.ConditionFalse)
	tests := []struct {
		name      string
		placement *policyv1alpha1.Placement
		in        func(Input) Input
		clusters  []*clusterv1alpha1.Cluster
		want      []workv1alpha2.TargetCluster
		wantErr   string
	}{
		{
			name:     "nil placement duplicates onto every cluster",
			clusters: []*clusterv1alpha1.Cluster{newCluster("b"), newCluster("a")},
			want:     targets("a", 3, "b", 3),
		},
		{
			name:      "cluster names",
			placement: &policyv1alpha1.Placement{ClusterAffinity: &policyv1alpha1.ClusterAffinity{ClusterNames: []string{"a", "c"}}},
			clusters:  []*clusterv1alpha1.Cluster{newCluster("a"), newCluster("b"), newCluster("c")},
			want:      targets("a", 3, "c", 3),
		},
		{
			name: "labels and exclude",
			placement: &policyv1alpha1.Placement{ClusterAffinity: &policyv1alpha1.ClusterAffinity{
				LabelSelector:   &metav1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}},
				ExcludeClusters: []string{"b"},
			}},
			clusters: []*clusterv1alpha1.Cluster{newCluster("a", withLabels("env", "prod")), newCluster("b", withLabels("env", "prod")), newCluster("c")},
			want:     targets("a", 3),
		},
		{
			name: "field selector on region",
			placement: &policyv1alpha1.Placement{ClusterAffinity: &policyv1alpha1.ClusterAffinity{
				FieldSelector: fieldSelector("region", corev1.NodeSelectorOpIn, "eu"),
			}},
			clusters: []*clusterv1alpha1.Cluster{newCluster("a", withRegion("eu")), newCluster("b", withRegion("us"))},
			want:     targets("a", 3),
		},
		{
			name:      "tolerated taint",
			placement: &policyv1alpha1.Placement{ClusterTolerations: []corev1.Toleration{{Key: "key", Operator: corev1.TolerationOpExists}}},
			clusters:  []*clusterv1alpha1.Cluster{newCluster("a", taint), newCluster("b")},
			want:      targets("a", 3, "b", 3),
		},
		{
			name:     "non-workload gets zero replicas everywhere",
			in:       func(in Input) Input { in.APIVersion, in.Kind, in.Replicas = "v1", "ConfigMap", 0; return in },
			clusters: []*clusterv1alpha1.Cluster{newCluster("a"), newCluster("b", notReady)},
			want:     targets("a", 0),
		},
		{
			name:      "non-workload with a divided strategy is duplicated",
			placement: &policyv1alpha1.Placement{ReplicaScheduling: byAvailableReplicas()},
			in:        func(in Input) Input { in.Replicas = 0; return in },
			clusters:  []*clusterv1alpha1.Cluster{newCluster("a"), newCluster("b")},
			want:      targets("a", 0, "b", 0),
		},
		{
			name:      "kube-scheduler style message",
			placement: &policyv1alpha1.Placement{ClusterAffinity: &policyv1alpha1.ClusterAffinity{ExcludeClusters: []string{"a"}}},
			clusters:  []*clusterv1alpha1.Cluster{newCluster("a"), newCluster("b", taint), newCluster("c", taint)},
			wantErr:   "0/3 clusters are available: 1 cluster(s) did not match the placement cluster affinity, 2 cluster(s) had untolerated taint {key: value}.",
		},
		{
			name: "every reason once, sorted",
			clusters: []*clusterv1alpha1.Cluster{
				newCluster("a", taint),
				newCluster("b", withAPIs()),
				newCluster("c", withAPIs(clusterv1alpha1.APIEnablement{GroupVersion: "v1"})),
				newCluster("d", notReady),
				newCluster("e", notReady),
			},
			wantErr: "0/5 clusters are available: 1 cluster(s) did not have the API resource, 1 cluster(s) had api enablements unknown, " +
				"1 cluster(s) had untolerated taint {key: value}, 2 cluster(s) were not ready.",
		},
		{
			name:    "no clusters",
			wantErr: "0/0 clusters are available: no cluster is registered.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := deployment(tt.placement, 3, tt.clusters...)
			if tt.in != nil {
				in = tt.in(in)
			}
			check(t, in, tt.want, tt.wantErr)
		})
	}
}

func TestScheduleClusterAffinities(t *testing.T) {
	notReady := withCondition(clusterv1alpha1.ClusterConditionReady, metav1.ConditionFalse)
	terms := func(extra ...func(*policyv1alpha1.Placement)) *policyv1alpha1.Placement {
		p := &policyv1alpha1.Placement{ClusterAffinities: []policyv1alpha1.ClusterAffinityTerm{
			{AffinityName: "primary", ClusterAffinity: policyv1alpha1.ClusterAffinity{ClusterNames: []string{"a", "b"}}},
			{AffinityName: "backup", ClusterAffinity: policyv1alpha1.ClusterAffinity{ClusterNames: []string{"c"}}},
		}}
		for _, e := range extra {
			e(p)
		}
		return p
	}
	tests := []struct {
		name      string
		placement *policyv1alpha1.Placement
		clusters  []*clusterv1alpha1.Cluster
		replicas  int32
		want      []workv1alpha2.TargetCluster
		wantName  string
		wantErr   string
	}{
		{
			name:      "first term fits",
			placement: terms(),
			clusters:  []*clusterv1alpha1.Cluster{newCluster("a"), newCluster("b"), newCluster("c")},
			want:      targets("a", 2, "b", 2),
			wantName:  "primary",
		},
		{
			name:      "falls back when the first term's clusters fail filters",
			placement: terms(),
			clusters:  []*clusterv1alpha1.Cluster{newCluster("a", notReady), newCluster("b", notReady), newCluster("c")},
			want:      targets("c", 2),
			wantName:  "backup",
		},
		{
			name: "falls back when spread constraints fail",
			placement: terms(func(p *policyv1alpha1.Placement) {
				p.SpreadConstraints = []policyv1alpha1.SpreadConstraint{{SpreadByField: policyv1alpha1.SpreadByFieldCluster, MinGroups: 2}}
				p.ClusterAffinities[1].ClusterNames = []string{"c", "d"}
			}),
			clusters: []*clusterv1alpha1.Cluster{newCluster("a"), newCluster("b", notReady), newCluster("c"), newCluster("d")},
			want:     targets("c", 2, "d", 2),
			wantName: "backup",
		},
		{
			name:      "falls back when replicas do not fit",
			placement: terms(func(p *policyv1alpha1.Placement) { p.ReplicaScheduling = byAvailableReplicas() }),
			clusters:  []*clusterv1alpha1.Cluster{newCluster("a", withPods("2")), newCluster("b", withPods("3")), newCluster("c", withPods("10"))},
			replicas:  6,
			want:      targets("c", 6),
			wantName:  "backup",
		},
		{
			name:      "prefers the first term again once it fits",
			placement: terms(),
			clusters:  []*clusterv1alpha1.Cluster{newCluster("a"), newCluster("b", notReady), newCluster("c")},
			want:      targets("a", 2),
			wantName:  "primary",
		},
		{
			name:      "nothing fits: the first term's diagnosis",
			placement: terms(),
			clusters:  []*clusterv1alpha1.Cluster{newCluster("a", notReady), newCluster("b", notReady), newCluster("c", notReady)},
			wantName:  "primary",
			wantErr:   "0/3 clusters are available: 1 cluster(s) did not match the placement cluster affinity, 2 cluster(s) were not ready.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			replicas := tt.replicas
			if replicas == 0 {
				replicas = 2
			}
			got, ue := check(t, deployment(tt.placement, replicas, tt.clusters...), tt.want, tt.wantErr)
			name := got.AffinityName
			if ue != nil {
				name = ue.AffinityName
			}
			if name != tt.wantName {
				t.Errorf("affinity name = %q, want %q", name, tt.wantName)
			}
		})
	}
}

func TestScheduleInvalidInput(t *testing.T) {
	bad := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "k", Operator: "Near"}}}
	tests := []struct {
		name    string
		in      Input
		wantErr string
	}{
		{name: "no kind", in: Input{APIVersion: "v1"}, wantErr: "apiVersion and kind are required"},
		{name: "negative replicas", in: deployment(nil, -1), wantErr: "must not be negative"},
		{
			name:    "bad selector in the cluster affinity",
			in:      deployment(&policyv1alpha1.Placement{ClusterAffinity: &policyv1alpha1.ClusterAffinity{LabelSelector: bad}}, 1, newCluster("a")),
			wantErr: "placement.clusterAffinity.labelSelector:",
		},
		{
			name: "bad selector in a later affinity term",
			in: deployment(&policyv1alpha1.Placement{ClusterAffinities: []policyv1alpha1.ClusterAffinityTerm{
				{AffinityName: "ok"},
				{AffinityName: "broken", ClusterAffinity: policyv1alpha1.ClusterAffinity{LabelSelector: bad}},
			}}, 1, newCluster("a")),
			wantErr: "placement.clusterAffinities[1] (broken).labelSelector",
		},
		{
			name: "bad selector in a static weight",
			in: deployment(&policyv1alpha1.Placement{ReplicaScheduling: divided("", &policyv1alpha1.ClusterPreferences{
				StaticWeightList: []policyv1alpha1.StaticClusterWeight{{TargetCluster: policyv1alpha1.ClusterAffinity{LabelSelector: bad}, Weight: 1}},
			})}, 1, newCluster("a")),
			wantErr: "staticWeightList[0].targetCluster.labelSelector",
		},
		{
			name:    "unknown replica scheduling type",
			in:      deployment(&policyv1alpha1.Placement{ReplicaScheduling: &policyv1alpha1.ReplicaSchedulingStrategy{ReplicaSchedulingType: "Sharded"}}, 1),
			wantErr: `unsupported replicaSchedulingType "Sharded"`,
		},
		{
			name:    "unknown division preference",
			in:      deployment(&policyv1alpha1.Placement{ReplicaScheduling: divided("Packed", nil)}, 1),
			wantErr: `unsupported replicaDivisionPreference "Packed"`,
		},
		{
			name:    "unknown dynamic weight",
			in:      deployment(&policyv1alpha1.Placement{ReplicaScheduling: divided("", &policyv1alpha1.ClusterPreferences{DynamicWeight: "Cost"})}, 1),
			wantErr: `unsupported dynamicWeight "Cost"`,
		},
		{
			name:    "unknown spread field",
			in:      deployment(&policyv1alpha1.Placement{SpreadConstraints: []policyv1alpha1.SpreadConstraint{{SpreadByField: "rack"}}}, 1),
			wantErr: `unsupported spreadByField "rack"`,
		},
		{
			name:    "spread by field and label",
			in:      deployment(&policyv1alpha1.Placement{SpreadConstraints: []policyv1alpha1.SpreadConstraint{{SpreadByField: "region", SpreadByLabel: "team"}}}, 1),
			wantErr: "sets both",
		},
		{
			name: "cluster constraints that contradict each other",
			in: deployment(&policyv1alpha1.Placement{SpreadConstraints: []policyv1alpha1.SpreadConstraint{
				{SpreadByField: "cluster", MinGroups: 3}, {SpreadByField: "cluster", MaxGroups: 2},
			}}, 1),
			wantErr: "maxGroups 2 is lower than minGroups 3",
		},
		{
			name:    "maxGroups below minGroups",
			in:      deployment(&policyv1alpha1.Placement{SpreadConstraints: []policyv1alpha1.SpreadConstraint{{SpreadByField: "region", MinGroups: 3, MaxGroups: 2}}}, 1),
			wantErr: "invalid minGroups 3 and maxGroups 2",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Schedule(tt.in)
			var ue *UnschedulableError
			if err == nil || errors.As(err, &ue) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Schedule() error = %v, want an input error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestScheduleDeterministic(t *testing.T) {
	var clusters []*clusterv1alpha1.Cluster
	for i, name := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		region := []string{"eu", "us", "ap"}[i%3]
		clusters = append(clusters, newCluster(name, withRegion(region), withPods("20")))
	}
	placements := map[string]*policyv1alpha1.Placement{
		"equal weights with spread": {
			SpreadConstraints: []policyv1alpha1.SpreadConstraint{
				{SpreadByField: policyv1alpha1.SpreadByFieldRegion, MinGroups: 2, MaxGroups: 2},
				{SpreadByField: policyv1alpha1.SpreadByFieldCluster, MaxGroups: 3},
			},
			ReplicaScheduling: divided("", nil),
		},
		"dynamic weights":   {ReplicaScheduling: byAvailableReplicas()},
		"aggregated":        {ReplicaScheduling: divided(policyv1alpha1.ReplicaDivisionPreferenceAggregated, nil)},
		"duplicated spread": {SpreadConstraints: []policyv1alpha1.SpreadConstraint{{MaxGroups: 5}}},
	}
	for name, p := range placements {
		t.Run(name, func(t *testing.T) {
			want, err := Schedule(deployment(p, 31, clusters...))
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(1, 2))
			for range 20 {
				shuffled := append([]*clusterv1alpha1.Cluster(nil), clusters...)
				r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
				got, err := Schedule(deployment(p, 31, shuffled...))
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("Schedule() differs for shuffled clusters (-first +now):\n%s", diff)
				}
			}
		})
	}
}
