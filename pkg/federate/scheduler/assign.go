package scheduler

import (
	"cmp"
	"fmt"
	"github.com/fleetplane/fleetplane/pkg/federate/clusteraffinity"
	"slices"

	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha2"
)

// division is how replicas are assigned to the chosen clusters.
type division int

const (
	// duplicated gives every cluster all replicas.
	duplicated division = iota
	// staticWeights divides by the static weight list, or equally without one.
	staticWeights
	// dynamicWeights divides by available replicas.
	dynamicWeights
	// aggregated packs replicas into as few clusters as capacity allows.
	aggregated
)

// staticWeight is a StaticClusterWeight with its affinity parsed.
type staticWeight struct {
	target *clusteraffinity.Matcher
	weight int64
}

// replicaPlan is the parsed replica scheduling strategy.
type replicaPlan struct {
	division division
	// weights is the static weight list; empty means equal weights.
	weights []staticWeight
}

// newReplicaPlan reads the strategy. Without a strategy, or for templates
// without replicas, replicas are duplicated. An empty type means Divided (the
// API default), and an empty division preference means Weighted.
func newReplicaPlan(rs *policyv1alpha1.ReplicaSchedulingStrategy, replicas int32) (*replicaPlan, error) {
	if rs == nil || replicas == 0 {
		return &replicaPlan{division: duplicated}, nil
	}
	switch rs.ReplicaSchedulingType {
	case policyv1alpha1.ReplicaSchedulingTypeDuplicated:
		return &replicaPlan{division: duplicated}, nil
	case "", policyv1alpha1.ReplicaSchedulingTypeDivided:
	default:
		return nil, fmt.Errorf("unsupported replicaSchedulingType %q", rs.ReplicaSchedulingType)
	}
	switch rs.ReplicaDivisionPreference {
	case policyv1alpha1.ReplicaDivisionPreferenceAggregated:
		return &replicaPlan{division: aggregated}, nil
	case "", policyv1alpha1.ReplicaDivisionPreferenceWeighted:
	default:
		return nil, fmt.Errorf("unsupported replicaDivisionPreference %q", rs.ReplicaDivisionPreference)
	}
	wp := rs.WeightPreference
	if wp == nil {
		return &replicaPlan{division: staticWeights}, nil
	}
	switch wp.DynamicWeight {
	case policyv1alpha1.DynamicWeightByAvailableReplicas:
		return &replicaPlan{division: dynamicWeights}, nil
	case "":
	default:
		return nil, fmt.Errorf("unsupported dynamicWeight %q", wp.DynamicWeight)
	}
	p := &replicaPlan{division: staticWeights}
	for i := range wp.StaticWeightList {
		sw := &wp.StaticWeightList[i]
		m, err := clusteraffinity.New(&sw.TargetCluster)
		if err != nil {
			return nil, fmt.Errorf("placement.replicaScheduling.weightPreference.staticWeightList[%d].targetCluster.%w", i, err)
		}
		p.weights = append(p.weights, staticWeight{target: m, weight: sw.Weight})
	}
	return p, nil
}

// staticWeight returns the largest weight of the entries matching the cluster;
// 0 means the cluster gets no replicas. Without a list every cluster weighs 1.
func (p *replicaPlan) staticWeight(c *candidate) int64 {
	if len(p.weights) == 0 {
		return 1
	}
	var w int64
	for _, sw := range p.weights {
		if sw.weight > w && sw.target.Matches(c.cluster) {
			w = sw.weight
		}
	}
	return w
}

// dropUnweighted removes the clusters a static weight list gives no weight, as
// they could never receive replicas.
func (p *replicaPlan) dropUnweighted(cands []*candidate, d *diagnosis) []*candidate {
	if p.division != staticWeights {
		return cands
	}
	return slices.DeleteFunc(cands, func(c *candidate) bool {
		if p.staticWeight(c) > 0 {
			return false
		}
		d.drop(c.name, reasonNoStaticWeight)
		return true
	})
}

// weight is the cluster's weight when new replicas are divided.
func (p *replicaPlan) weight(c *candidate) int64 {
	if p.division == staticWeights {
		return p.staticWeight(c)
	}
	return c.capacity
}

// assign gives replicas to the chosen clusters. Divided replicas are steady:
// clusters keep their current replicas, a shortfall (scale-up, or replicas of
// clusters no longer chosen) is divided among the clusters by weight, and an
// excess (scale-down) is taken back in proportion to the static weights, or to
// the current replicas when weights are dynamic or aggregated.
func (p *replicaPlan) assign(cands []*candidate, replicas int32, d *diagnosis) ([]workv1alpha2.TargetCluster, error) {
	if p.division == duplicated {
		out := make([]workv1alpha2.TargetCluster, len(cands))
		for i, c := range cands {
			out[i] = workv1alpha2.TargetCluster{Name: c.name, Replicas: replicas}
		}
		return out, nil
	}
	kept := make([]int64, len(cands))
	var held int64
	for i, c := range cands {
		kept[i] = int64(c.current)
		held += kept[i]
	}
	total := int64(replicas)
	switch {
	case held < total:
		added, err := p.add(cands, kept, total-held, d)
		if err != nil {
			return nil, err
		}
		for i := range kept {
			kept[i] += added[i]
		}
	case held > total:
		shares := make([]share, len(cands))
		for i, c := range cands {
			shares[i] = share{name: c.name, weight: kept[i]}
			if p.division == staticWeights {
				shares[i].weight = p.staticWeight(c)
			}
		}
		kept = takeBack(held-total, kept, shares)
	}
	var out []workv1alpha2.TargetCluster
	for i, c := range cands {
		if kept[i] > 0 {
			out = append(out, workv1alpha2.TargetCluster{Name: c.name, Replicas: int32(kept[i])})
		}
	}
	return out, nil
}

// add divides n new replicas among the clusters. With dynamic weights or
// aggregation the clusters must have room for all of them.
func (p *replicaPlan) add(cands []*candidate, kept []int64, n int64, d *diagnosis) ([]int64, error) {
	if p.division != staticWeights {
		var room int64
		for _, c := range cands {
			room += c.capacity
		}
		if room < n {
			return nil, d.fail(cands, reasonInsufficient, fmt.Sprintf("%d replica(s) can be added, %d needed.", room, n))
		}
	}
	shares := make([]share, len(cands))
	for i, c := range cands {
		shares[i] = share{name: c.name, weight: p.weight(c), holds: kept[i] > 0}
	}
	if p.division == aggregated {
		// Fill the clusters already holding replicas first, then the roomiest,
		// and only as many as needed; they share in proportion to their room.
		order := make([]int, len(cands))
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(a, b int) int {
			if shares[a].holds != shares[b].holds {
				if shares[a].holds {
					return -1
				}
				return 1
			}
			return cmp.Or(cmp.Compare(shares[b].weight, shares[a].weight), cmp.Compare(shares[a].name, shares[b].name))
		})
		var room int64
		for _, i := range order {
			if room >= n {
				shares[i].weight = 0
			}
			room += shares[i].weight
		}
	}
	return divide(n, shares), nil
}
