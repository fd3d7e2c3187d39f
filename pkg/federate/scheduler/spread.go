package scheduler

import (
	"cmp"
	"fmt"
	"github.com/fleetplane/fleetplane/pkg/federate/clusteraffinity"
	"slices"

	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
)

// groupConstraint is a spread constraint over groups other than single clusters.
type groupConstraint struct {
	field    policyv1alpha1.SpreadFieldValue // empty when label is set
	label    string
	min, max int // max 0 is unbounded
}

func (g groupConstraint) String() string {
	if g.label != "" {
		return "label " + g.label
	}
	return string(g.field)
}

func (g groupConstraint) values(c *candidate) []string {
	if g.label != "" {
		if v, ok := c.cluster.Labels[g.label]; ok && v != "" {
			return []string{v}
		}
		return nil
	}
	return clusteraffinity.FieldValues(c.cluster, string(g.field))
}

// spreadPlan is the parsed spread constraints: the ones over groups, in order,
// and the bounds on the number of clusters.
type spreadPlan struct {
	groups                   []groupConstraint
	minClusters, maxClusters int
}

func newSpreadPlan(constraints []policyv1alpha1.SpreadConstraint) (*spreadPlan, error) {
	p := &spreadPlan{minClusters: 1}
	for _, sc := range constraints {
		if sc.SpreadByField != "" && sc.SpreadByLabel != "" {
			return nil, fmt.Errorf("spread constraint sets both spreadByField %q and spreadByLabel %q", sc.SpreadByField, sc.SpreadByLabel)
		}
		if sc.MinGroups < 0 || sc.MaxGroups < 0 || (sc.MaxGroups > 0 && sc.MaxGroups < sc.MinGroups) {
			return nil, fmt.Errorf("spread constraint %s: invalid minGroups %d and maxGroups %d", spreadName(sc), sc.MinGroups, sc.MaxGroups)
		}
		lo := max(sc.MinGroups, 1)
		switch sc.SpreadByField {
		case "", policyv1alpha1.SpreadByFieldCluster:
			if sc.SpreadByLabel == "" {
				p.minClusters = max(p.minClusters, lo)
				if sc.MaxGroups > 0 && (p.maxClusters == 0 || sc.MaxGroups < p.maxClusters) {
					p.maxClusters = sc.MaxGroups
				}
				continue
			}
		case policyv1alpha1.SpreadByFieldRegion, policyv1alpha1.SpreadByFieldZone, policyv1alpha1.SpreadByFieldProvider:
		default:
			return nil, fmt.Errorf("spread constraint has unsupported spreadByField %q", sc.SpreadByField)
		}
		p.groups = append(p.groups, groupConstraint{field: sc.SpreadByField, label: sc.SpreadByLabel, min: lo, max: sc.MaxGroups})
	}
	if p.maxClusters > 0 && p.maxClusters < p.minClusters {
		return nil, fmt.Errorf("spread constraints by cluster: maxGroups %d is lower than minGroups %d", p.maxClusters, p.minClusters)
	}
	return p, nil
}

func spreadName(sc policyv1alpha1.SpreadConstraint) string {
	if sc.SpreadByLabel != "" {
		return "label " + sc.SpreadByLabel
	}
	return cmp.Or(string(sc.SpreadByField), string(policyv1alpha1.SpreadByFieldCluster))
}

// byPreference orders clusters the way spread constraints prefer them: those of
// the current assignment first (so replicas do not move when capacities
// change), then more available replicas, then name.
func byPreference(a, b *candidate) int {
	if a.assigned != b.assigned {
		if a.assigned {
			return -1
		}
		return 1
	}
	if c := cmp.Compare(b.capacity, a.capacity); c != 0 {
		return c
	}
	return cmp.Compare(a.name, b.name)
}

// group is the clusters sharing one value of a groupConstraint.
type group struct {
	value    string
	members  []*candidate // in preference order
	assigned int
	capacity int64
}

// byGroupPreference prefers groups holding more of the current assignment, then
// more available replicas, then more clusters, then name.
func byGroupPreference(a, b *group) int {
	return cmp.Or(
		cmp.Compare(b.assigned, a.assigned),
		cmp.Compare(b.capacity, a.capacity),
		cmp.Compare(len(b.members), len(a.members)),
		cmp.Compare(a.value, b.value),
	)
}

// byGroupSize prefers groups with more clusters; used when the preferred groups
// hold too few clusters for the cluster constraint.
func byGroupSize(a, b *group) int {
	return cmp.Or(cmp.Compare(len(b.members), len(a.members)), byGroupPreference(a, b))
}

func groupBy(g groupConstraint, cands []*candidate) []*group {
	index := map[string]*group{}
	var groups []*group
	for _, c := range cands {
		for _, v := range g.values(c) {
			gr := index[v]
			if gr == nil {
				gr = &group{value: v}
				index[v] = gr
				groups = append(groups, gr)
			}
			gr.members = append(gr.members, c)
			gr.capacity += c.capacity
			if c.assigned {
				gr.assigned++
			}
		}
	}
	slices.SortFunc(groups, byGroupPreference)
	return groups
}

// members returns the candidates all of whose values are among the groups.
func members(g groupConstraint, cands []*candidate, groups []*group) []*candidate {
	chosen := map[string]bool{}
	for _, gr := range groups {
		chosen[gr.value] = true
	}
	return slices.DeleteFunc(slices.Clone(cands), func(c *candidate) bool {
		return slices.ContainsFunc(g.values(c), func(v string) bool { return !chosen[v] })
	})
}

// spread chooses the clusters the spread constraints allow, from candidates in
// preference order. Constraints over groups choose their groups first, each
// from what the previous ones left; then the cluster constraint caps the
// number of clusters, keeping the best cluster of every chosen group.
func (p *spreadPlan) spread(cands []*candidate, d *diagnosis) ([]*candidate, error) {
	var firsts []*candidate // the best cluster of each chosen group
	for _, g := range p.groups {
		cands = slices.DeleteFunc(cands, func(c *candidate) bool {
			if len(g.values(c)) > 0 {
				return false
			}
			if g.label != "" {
				d.drop(c.name, fmt.Sprintf("cluster(s) had no label %s to spread by", g.label))
			} else {
				d.drop(c.name, fmt.Sprintf("cluster(s) had no %s to spread by", g.field))
			}
			return true
		})
		groups := groupBy(g, cands)
		if len(groups) < g.min {
			return nil, d.fail(cands, reasonSpread, fmt.Sprintf("Spread by %s: %d group(s) available, minGroups is %d.", g, len(groups), g.min))
		}
		n := len(groups)
		if g.max > 0 {
			n = min(n, g.max)
		}
		kept := members(g, cands, groups[:n])
		if len(kept) < p.minClusters {
			bySize := slices.Clone(groups)
			slices.SortFunc(bySize, byGroupSize)
			if alt := members(g, cands, bySize[:n]); len(alt) > len(kept) {
				groups, kept = bySize, alt
			}
		}
		for _, c := range cands {
			if !slices.Contains(kept, c) {
				d.drop(c.name, reasonNotSelected)
			}
		}
		for _, gr := range groups[:n] {
			if i := slices.IndexFunc(gr.members, func(c *candidate) bool { return slices.Contains(kept, c) }); i >= 0 {
				firsts = append(firsts, gr.members[i])
			}
		}
		cands = kept
	}
	if len(cands) < p.minClusters {
		return nil, d.fail(cands, reasonSpread, fmt.Sprintf("Spread by cluster: %d cluster(s) available, minGroups is %d.", len(cands), p.minClusters))
	}
	if p.maxClusters == 0 || len(cands) <= p.maxClusters {
		return cands, nil
	}
	picked := make([]*candidate, 0, len(cands))
	for _, c := range append(firsts, cands...) {
		if slices.Contains(cands, c) && !slices.Contains(picked, c) {
			picked = append(picked, c)
		}
	}
	picked = picked[:p.maxClusters]
	for _, g := range p.groups {
		if n := len(groupBy(g, picked)); n < g.min {
			return nil, d.fail(cands, reasonSpread, fmt.Sprintf("Spread by %s: %d group(s) fit in maxGroups %d of cluster, minGroups is %d.", g, n, p.maxClusters, g.min))
		}
	}
	for _, c := range cands {
		if !slices.Contains(picked, c) {
			d.drop(c.name, reasonNotSelected)
		}
	}
	return picked, nil
}
