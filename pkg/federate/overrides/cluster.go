package overrides

import (
	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/federate/clusteraffinity"
)

// ClusterMatches reports whether the targetCluster of an override rule
// selects cluster. A nil affinity selects every cluster. It uses the same
// matcher as placement, so one ClusterAffinity selects the same clusters in
// both places.
func ClusterMatches(affinity *policyv1alpha1.ClusterAffinity, cluster *clusterv1alpha1.Cluster) (bool, error) {
	m, err := clusteraffinity.New(affinity)
	if err != nil {
		return false, err
	}
	return m.Matches(cluster), nil
}
