package scheduler

import (
	"cmp"
	"errors"
	"fmt"
	"github.com/fleetplane/fleetplane/pkg/federate/clusteraffinity"
	"slices"

	corev1 "k8s.io/api/core/v1"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha2"
)

// candidate is a cluster being considered, with what scheduling derived about it.
type candidate struct {
	cluster *clusterv1alpha1.Cluster
	name    string
	// capacity is how many more replicas the cluster can run.
	capacity int64
	// assigned is true when the cluster is in the current assignment, and
	// current is the replicas it has there.
	assigned bool
	current  int32
}

// term is one set of clusters to try: the placement's ClusterAffinity, or one
// of its ClusterAffinities.
type term struct {
	name     string
	affinity *clusteraffinity.Matcher
}

// Schedule chooses the clusters of a resource template and their replicas.
//
// With Placement.ClusterAffinities the terms are tried in order and the first
// one that yields an assignment (after filters, spread constraints and replica
// division) is used; Result.AffinityName names it. When no term works the error
// of the first one is returned.
//
// An *UnschedulableError means no cluster fits; any other error means the input
// is invalid (a malformed selector, an unknown enum value).
func Schedule(in Input) (Result, error) {
	if in.APIVersion == "" || in.Kind == "" {
		return Result{}, errors.New("template apiVersion and kind are required")
	}
	if in.Replicas < 0 {
		return Result{}, fmt.Errorf("replicas must not be negative, got %d", in.Replicas)
	}
	p := in.Placement
	if p == nil {
		p = &policyv1alpha1.Placement{}
	}
	terms, err := affinityTerms(p)
	if err != nil {
		return Result{}, err
	}
	spreads, err := newSpreadPlan(p.SpreadConstraints)
	if err != nil {
		return Result{}, err
	}
	replicas, err := newReplicaPlan(p.ReplicaScheduling, in.Replicas)
	if err != nil {
		return Result{}, err
	}

	current := map[string]int32{}
	for _, tc := range in.Current {
		current[tc.Name] += max(tc.Replicas, 0)
	}
	var request corev1.ResourceList
	if in.ReplicaRequirements != nil {
		request = in.ReplicaRequirements.ResourceRequest
	}
	clusters := make([]*candidate, 0, len(in.Clusters))
	for _, c := range in.Clusters {
		n, assigned := current[c.Name]
		clusters = append(clusters, &candidate{
			cluster:  c,
			name:     c.Name,
			capacity: availableReplicas(c, request),
			assigned: assigned,
			current:  n,
		})
	}
	slices.SortFunc(clusters, func(a, b *candidate) int { return cmp.Compare(a.name, b.name) })
	filters := filterInput{
		tolerations: p.ClusterTolerations,
		apiVersion:  in.APIVersion,
		kind:        in.Kind,
		assigned:    map[string]bool{},
	}
	for name := range current {
		filters.assigned[name] = true
	}

	var first error
	for _, t := range terms {
		targets, err := scheduleTerm(clusters, t.affinity, filters, spreads, replicas, in.Replicas)
		if err == nil {
			return Result{Clusters: targets, AffinityName: t.name}, nil
		}
		if first == nil {
			var ue *UnschedulableError
			if errors.As(err, &ue) {
				ue.AffinityName = t.name
			}
			first = err
		}
	}
	return Result{}, first
}

// affinityTerms lists the sets of clusters to try, in order.
func affinityTerms(p *policyv1alpha1.Placement) ([]term, error) {
	if len(p.ClusterAffinities) == 0 {
		m, err := clusteraffinity.New(p.ClusterAffinity)
		if err != nil {
			return nil, fmt.Errorf("placement.clusterAffinity.%w", err)
		}
		return []term{{affinity: m}}, nil
	}
	terms := make([]term, 0, len(p.ClusterAffinities))
	for i := range p.ClusterAffinities {
		t := &p.ClusterAffinities[i]
		m, err := clusteraffinity.New(&t.ClusterAffinity)
		if err != nil {
			return nil, fmt.Errorf("placement.clusterAffinities[%d] (%s).%w", i, t.AffinityName, err)
		}
		terms = append(terms, term{name: t.AffinityName, affinity: m})
	}
	return terms, nil
}

// scheduleTerm schedules onto the clusters of one affinity term. clusters are
// sorted by name and not modified.
func scheduleTerm(clusters []*candidate, affinity *clusteraffinity.Matcher, filters filterInput, spreads *spreadPlan, replicas *replicaPlan, n int32) ([]workv1alpha2.TargetCluster, error) {
	d := newDiagnosis(len(clusters))
	var feasible []*candidate
	for _, c := range clusters {
		if reason := filter(c.cluster, affinity, filters); reason != "" {
			d.drop(c.name, reason)
			continue
		}
		feasible = append(feasible, c)
	}
	feasible = replicas.dropUnweighted(feasible, d)
	if len(feasible) == 0 {
		return nil, d.fail(nil, "", "")
	}
	slices.SortFunc(feasible, byPreference)
	chosen, err := spreads.spread(feasible, d)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(chosen, func(a, b *candidate) int { return cmp.Compare(a.name, b.name) })
	targets, err := replicas.assign(chosen, n, d)
	if err != nil {
		return nil, err
	}
	return targets, nil
}
