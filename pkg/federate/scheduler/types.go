package scheduler

import (
	"fmt"
	"slices"
	"strings"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha2"
)

// Input is what Schedule needs to place one binding.
type Input struct {
	// Placement is the binding's placement. Nil means every cluster that passes
	// the filters, each with all replicas.
	Placement *policyv1alpha1.Placement

	// APIVersion and Kind identify the resource template; a cluster must serve
	// them to be chosen.
	APIVersion string
	Kind       string

	// Replicas is the template's replica count, 0 for templates without
	// replicas.
	Replicas int32

	// ReplicaRequirements are the resources one replica requests. Nil means
	// only the member's pod capacity limits how many replicas fit.
	ReplicaRequirements *workv1alpha2.ReplicaRequirements

	// Current is the binding's current assignment (spec.clusters). Replicas that
	// can stay where they are do, clusters in it only need to tolerate NoExecute
	// taints, and they are preferred when spread constraints choose clusters.
	// Leave it empty for a fresh assignment, e.g. when a reschedule is asked for.
	Current []workv1alpha2.TargetCluster

	// Clusters are the member clusters to choose from.
	Clusters []*clusterv1alpha1.Cluster
}

// Result is a successful scheduling decision.
type Result struct {
	// Clusters are the chosen clusters, sorted by name, with their replicas.
	// With divided replicas, clusters that get none are left out.
	Clusters []workv1alpha2.TargetCluster

	// AffinityName is the name of the Placement.ClusterAffinities term the
	// clusters were chosen from (for status.schedulerObservedAffinityName);
	// empty when the placement has no ClusterAffinities.
	AffinityName string
}

// UnschedulableError reports that no acceptable assignment exists. Callers set
// the Scheduled condition to False with reason NoClusterFit and Error() as the
// message.
type UnschedulableError struct {
	// AffinityName is the ClusterAffinities term the diagnosis is about: the
	// first one tried. Empty when the placement has no ClusterAffinities.
	AffinityName string

	// NumClusters is how many clusters were considered.
	NumClusters int

	// Reasons counts the clusters per reason, e.g. "cluster(s) were not ready".
	// Each cluster has exactly one reason.
	Reasons map[string]int

	// ClusterReasons gives the reason of each cluster, by name.
	ClusterReasons map[string]string

	// Detail, when set, is a sentence that explains what the reasons cannot,
	// such as how many replicas were missing.
	Detail string
}

// Error formats the diagnosis as kube-scheduler does: the clusters available
// out of the total, then "<count> <reason>" entries sorted as strings.
func (e *UnschedulableError) Error() string {
	if e.NumClusters == 0 {
		return "0/0 clusters are available: no cluster is registered."
	}
	entries := make([]string, 0, len(e.Reasons))
	for reason, n := range e.Reasons {
		entries = append(entries, fmt.Sprintf("%d %s", n, reason))
	}
	slices.Sort(entries)
	msg := fmt.Sprintf("0/%d clusters are available: %s.", e.NumClusters, strings.Join(entries, ", "))
	if e.Detail != "" {
		msg += " " + e.Detail
	}
	return msg
}

// Reasons a cluster is not chosen, phrased to follow "<count> ".
const (
	reasonAffinity       = "cluster(s) did not match the placement cluster affinity"
	reasonAPIMissing     = "cluster(s) did not have the API resource"
	reasonAPIUnknown     = "cluster(s) had api enablements unknown"
	reasonNotReady       = "cluster(s) were not ready"
	reasonNoStaticWeight = "cluster(s) did not match any static weight"
	reasonSpread         = "cluster(s) did not satisfy the spread constraints"
	reasonNotSelected    = "cluster(s) were not selected by the spread constraints"
	reasonInsufficient   = "cluster(s) had insufficient resources"
)

// diagnosis collects why clusters were dropped while one affinity term is tried.
type diagnosis struct {
	total   int
	reasons map[string]string
}

func newDiagnosis(total int) *diagnosis {
	return &diagnosis{total: total, reasons: map[string]string{}}
}

// drop records why a cluster was dropped; the first reason sticks.
func (d *diagnosis) drop(name, reason string) {
	if _, ok := d.reasons[name]; !ok {
		d.reasons[name] = reason
	}
}

// fail gives the remaining candidates reason and returns the error.
func (d *diagnosis) fail(rest []*candidate, reason, detail string) *UnschedulableError {
	for _, c := range rest {
		d.drop(c.name, reason)
	}
	counts := map[string]int{}
	for _, r := range d.reasons {
		counts[r]++
	}
	return &UnschedulableError{
		NumClusters:    d.total,
		Reasons:        counts,
		ClusterReasons: d.reasons,
		Detail:         detail,
	}
}
