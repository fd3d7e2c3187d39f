package scheduler

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha2"
)

// TestScheduleInvariants schedules random fleets with random divided
// strategies, then rescales them, and checks the invariants every result must
// keep: replicas add up, nobody gets a negative count, names are sorted and
// unique, dynamic and aggregated results fit the room available, and scaling
// only ever moves replicas in the scaling direction.
func TestScheduleInvariants(t *testing.T) {
	r := rand.New(rand.NewPCG(42, 7))
	strategies := []string{"equal", "static", "dynamic", "aggregated"}
	for i := range 500 {
		strategy := strategies[i%len(strategies)]
		var regions []string
		var weights []any
		for j := range 1 + r.IntN(6) {
			regions = append(regions, []string{"eu", "us"}[r.IntN(2)])
			if r.IntN(4) > 0 {
				weights = append(weights, fmt.Sprintf("m%d", j), 1+r.IntN(5))
			}
		}
		// Free room changes all the time; the assignment must not follow it.
		fleet := func() []*clusterv1alpha1.Cluster {
			var clusters []*clusterv1alpha1.Cluster
			for j, region := range regions {
				clusters = append(clusters, newCluster(fmt.Sprintf("m%d", j), withRegion(region), withPods(fmt.Sprint(r.IntN(40)))))
			}
			return clusters
		}
		p := &policyv1alpha1.Placement{}
		switch strategy {
		case "equal":
			p.ReplicaScheduling = divided("", nil)
		case "static":
			if len(weights) == 0 {
				weights = []any{"m0", 1}
			}
			p.ReplicaScheduling = weightsByName(weights...)
		case "dynamic":
			p.ReplicaScheduling = byAvailableReplicas()
		case "aggregated":
			p.ReplicaScheduling = divided(policyv1alpha1.ReplicaDivisionPreferenceAggregated, nil)
		}
		switch r.IntN(3) {
		case 0:
			p.SpreadConstraints = []policyv1alpha1.SpreadConstraint{{MaxGroups: 1 + r.IntN(3)}}
		case 1:
			p.SpreadConstraints = []policyv1alpha1.SpreadConstraint{
				{SpreadByField: policyv1alpha1.SpreadByFieldRegion, MaxGroups: 1},
				{SpreadByField: policyv1alpha1.SpreadByFieldCluster, MaxGroups: 1 + r.IntN(3)},
			}
		}
		name := fmt.Sprintf("%d/%s", i, strategy)
		var current []workv1alpha2.TargetCluster
		replicas := int32(1 + r.IntN(60))
		for round := range 6 {
			if r.IntN(2) == 0 {
				replicas = int32(1 + r.IntN(60))
			}
			in := deployment(p, replicas, fleet()...)
			in.Current = current
			got, err := Schedule(in)
			var ue *UnschedulableError
			if errors.As(err, &ue) {
				if strategy != "dynamic" && strategy != "aggregated" {
					t.Fatalf("%s round %d: unexpected %v", name, round, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s round %d: %v", name, round, err)
			}
			checkInvariants(t, fmt.Sprintf("%s round %d", name, round), in, got.Clusters)
			current = got.Clusters
		}
	}
}

func checkInvariants(t *testing.T, name string, in Input, got []workv1alpha2.TargetCluster) {
	t.Helper()
	room := map[string]int64{}
	for _, c := range in.Clusters {
		room[c.Name] = availableReplicas(c, nil)
	}
	before := map[string]int32{}
	var held int32
	for _, tc := range in.Current {
		before[tc.Name] = tc.Replicas
		held += tc.Replicas
	}
	var sum int32
	for i, tc := range got {
		sum += tc.Replicas
		if tc.Replicas <= 0 {
			t.Errorf("%s: %s got %d replicas", name, tc.Name, tc.Replicas)
		}
		if i > 0 && strings.Compare(got[i-1].Name, tc.Name) >= 0 {
			t.Errorf("%s: clusters not sorted and unique: %v", name, got)
		}
		if _, ok := room[tc.Name]; !ok {
			t.Errorf("%s: unknown cluster %s", name, tc.Name)
		}
		strategy := in.Placement.ReplicaScheduling
		if strategy.WeightPreference != nil && strategy.WeightPreference.DynamicWeight != "" ||
			strategy.ReplicaDivisionPreference == policyv1alpha1.ReplicaDivisionPreferenceAggregated {
			if added := int64(tc.Replicas - before[tc.Name]); added > room[tc.Name] {
				t.Errorf("%s: %s got %d more replicas with room for %d", name, tc.Name, added, room[tc.Name])
			}
		}
		switch {
		case in.Replicas > held && tc.Replicas < before[tc.Name]:
			t.Errorf("%s: scaling up took replicas from %s: %d -> %d", name, tc.Name, before[tc.Name], tc.Replicas)
		case in.Replicas < held && tc.Replicas > before[tc.Name]:
			t.Errorf("%s: scaling down added replicas to %s: %d -> %d", name, tc.Name, before[tc.Name], tc.Replicas)
		}
	}
	if sum != in.Replicas {
		t.Errorf("%s: replicas add up to %d, want %d: %v", name, sum, in.Replicas, got)
	}
	if in.Replicas == held && len(in.Current) > 0 {
		if diff := cmp.Diff(in.Current, got); diff != "" {
			t.Errorf("%s: unchanged replicas moved (-current +got):\n%s", name, diff)
		}
	}
}
