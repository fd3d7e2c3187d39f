package scheduler

import (
	"testing"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha2"
)

func byField(f policyv1alpha1.SpreadFieldValue, minGroups, maxGroups int) policyv1alpha1.SpreadConstraint {
	return policyv1alpha1.SpreadConstraint{SpreadByField: f, MinGroups: minGroups, MaxGroups: maxGroups}
}

func TestScheduleSpread(t *testing.T) {
	const (
		cluster  = policyv1alpha1.SpreadByFieldCluster
		region   = policyv1alpha1.SpreadByFieldRegion
		zone     = policyv1alpha1.SpreadByFieldZone
		provider = policyv1alpha1.SpreadByFieldProvider
	)
	// Free pods: us 35 (c 30, d 5), eu 30 (a 10, b 20), ap 1 (e).
	fleet := []*clusterv1alpha1.Cluster{
		newCluster("a", withRegion("eu"), withZone("eu-1"), withProvider("aws"), withPods("10"), withLabels("team", "x")),
		newCluster("b", withRegion("eu"), withZone("eu-2"), withProvider("gcp"), withPods("20"), withLabels("team", "x")),
		newCluster("c", withRegion("us"), withZone("us-1"), withProvider("aws"), withPods("30"), withLabels("team", "y")),
		newCluster("d", withRegion("us"), withZone("us-1"), withProvider("aws"), withPods("5")),
		newCluster("e", withRegion("ap"), withZone("ap-1"), withProvider("gcp"), withPods("1")),
	}
	tests := []struct {
		name        string
		constraints []policyv1alpha1.SpreadConstraint
		clusters    []*clusterv1alpha1.Cluster
		current     []workv1alpha2.TargetCluster
		want        []string
		wantErr     string
	}{
		{
			name:        "cluster maxGroups keeps the roomiest clusters",
			constraints: []policyv1alpha1.SpreadConstraint{byField(cluster, 1, 2)},
			want:        []string{"b", "c"},
		},
		{
			name:        "empty field spreads by cluster",
			constraints: []policyv1alpha1.SpreadConstraint{{MaxGroups: 1}},
			want:        []string{"c"},
		},
		{
			name:        "one region, at most two clusters",
			constraints: []policyv1alpha1.SpreadConstraint{byField(region, 1, 1), byField(cluster, 1, 2)},
			want:        []string{"c", "d"},
		},
		{
			name:        "two regions, three clusters: every region is represented",
			constraints: []policyv1alpha1.SpreadConstraint{byField(region, 2, 2), byField(cluster, 1, 3)},
			want:        []string{"a", "b", "c"},
		},
		{
			name:        "two regions, two clusters: one per region",
			constraints: []policyv1alpha1.SpreadConstraint{byField(region, 2, 2), byField(cluster, 1, 2)},
			want:        []string{"b", "c"},
		},
		{
			name:        "regions without maxGroups keep every cluster",
			constraints: []policyv1alpha1.SpreadConstraint{byField(region, 3, 0), byField(cluster, 1, 0)},
			want:        []string{"a", "b", "c", "d", "e"},
		},
		{
			name:        "too few regions",
			constraints: []policyv1alpha1.SpreadConstraint{byField(region, 4, 0), byField(cluster, 1, 0)},
			wantErr:     "0/5 clusters are available: 5 cluster(s) did not satisfy the spread constraints. Spread by region: 3 group(s) available, minGroups is 4.",
		},
		{
			name:        "too few clusters",
			constraints: []policyv1alpha1.SpreadConstraint{byField(cluster, 6, 0)},
			wantErr:     "0/5 clusters are available: 5 cluster(s) did not satisfy the spread constraints. Spread by cluster: 5 cluster(s) available, minGroups is 6.",
		},
		{
			name:        "clusters without a region drop out",
			constraints: []policyv1alpha1.SpreadConstraint{byField(region, 2, 0), byField(cluster, 1, 0)},
			clusters:    []*clusterv1alpha1.Cluster{newCluster("a", withRegion("eu")), newCluster("b")},
			wantErr:     "0/2 clusters are available: 1 cluster(s) did not satisfy the spread constraints, 1 cluster(s) had no region to spread by. Spread by region: 1 group(s) available, minGroups is 2.",
		},
		{
			name:        "too few clusters allowed to cover the regions",
			constraints: []policyv1alpha1.SpreadConstraint{byField(region, 2, 0), byField(cluster, 1, 1)},
			wantErr:     "0/5 clusters are available: 5 cluster(s) did not satisfy the spread constraints. Spread by region: 1 group(s) fit in maxGroups 1 of cluster, minGroups is 2.",
		},
		{
			name:        "the chosen region has too few clusters",
			constraints: []policyv1alpha1.SpreadConstraint{byField(region, 1, 1), byField(cluster, 3, 0)},
			wantErr: "0/5 clusters are available: 2 cluster(s) did not satisfy the spread constraints, 3 cluster(s) were not selected by the spread constraints. " +
				"Spread by cluster: 2 cluster(s) available, minGroups is 3.",
		},
		{
			name:        "one zone",
			constraints: []policyv1alpha1.SpreadConstraint{byField(zone, 1, 1), byField(cluster, 1, 0)},
			want:        []string{"c", "d"},
		},
		{
			name:        "a cluster spanning zones only fits when all its zones are chosen",
			constraints: []policyv1alpha1.SpreadConstraint{byField(zone, 1, 1), byField(cluster, 1, 0)},
			clusters: []*clusterv1alpha1.Cluster{
				newCluster("m", withZones("z1", "z2")), newCluster("n", withZones("z1")), newCluster("o", withZone("z3")),
			},
			want: []string{"n"},
		},
		{
			name:        "one provider",
			constraints: []policyv1alpha1.SpreadConstraint{byField(provider, 1, 1), byField(cluster, 1, 0)},
			want:        []string{"a", "c", "d"},
		},
		{
			name:        "by label: equal room, more clusters wins",
			constraints: []policyv1alpha1.SpreadConstraint{{SpreadByLabel: "team", MaxGroups: 1}},
			want:        []string{"a", "b"},
		},
		{
			name:        "by label: clusters without the label drop out",
			constraints: []policyv1alpha1.SpreadConstraint{{SpreadByLabel: "team", MinGroups: 3}},
			wantErr: "0/5 clusters are available: 2 cluster(s) had no label team to spread by, 3 cluster(s) did not satisfy the spread constraints. " +
				"Spread by label team: 2 group(s) available, minGroups is 3.",
		},
		{
			name:        "the roomiest region has too few clusters",
			constraints: []policyv1alpha1.SpreadConstraint{byField(region, 1, 1), byField(cluster, 2, 0)},
			clusters: []*clusterv1alpha1.Cluster{
				newCluster("x", withRegion("r1"), withPods("100")),
				newCluster("y", withRegion("r2"), withPods("10")),
				newCluster("z", withRegion("r2"), withPods("10")),
			},
			want: []string{"y", "z"},
		},
		{
			name:        "current clusters are preferred over roomier ones",
			constraints: []policyv1alpha1.SpreadConstraint{byField(cluster, 1, 1)},
			current:     targets("a", 2),
			want:        []string{"a"},
		},
		{
			name:        "the current region is preferred over a roomier one",
			constraints: []policyv1alpha1.SpreadConstraint{byField(region, 1, 1), byField(cluster, 1, 1)},
			current:     targets("e", 2),
			want:        []string{"e"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clusters := tt.clusters
			if clusters == nil {
				clusters = fleet
			}
			in := deployment(&policyv1alpha1.Placement{SpreadConstraints: tt.constraints}, 2, clusters...)
			in.Current = tt.current
			var want []workv1alpha2.TargetCluster
			for _, name := range tt.want {
				want = append(want, workv1alpha2.TargetCluster{Name: name, Replicas: 2})
			}
			check(t, in, want, tt.wantErr)
		})
	}
}
