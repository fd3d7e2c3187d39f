package overrides

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
)

// ClusterMatches reports whether the targetCluster of an override rule
// selects cluster. A nil affinity selects every cluster. Otherwise the
// cluster must not be excluded, must be listed in ClusterNames when that is
// set, and must match LabelSelector and every FieldSelector expression when
// those are set.
func ClusterMatches(affinity *policyv1alpha1.ClusterAffinity, cluster *clusterv1alpha1.Cluster) (bool, error) {
	if affinity == nil {
		return true, nil
	}
	if slices.Contains(affinity.ExcludeClusters, cluster.Name) {
		return false, nil
	}
	if len(affinity.ClusterNames) > 0 && !slices.Contains(affinity.ClusterNames, cluster.Name) {
		return false, nil
	}
	if affinity.LabelSelector != nil {
		selector, err := metav1.LabelSelectorAsSelector(affinity.LabelSelector)
		if err != nil {
			return false, fmt.Errorf("labelSelector: %w", err)
		}
		if !selector.Matches(labels.Set(cluster.Labels)) {
			return false, nil
		}
	}
	if affinity.FieldSelector != nil {
		for i, req := range affinity.FieldSelector.MatchExpressions {
			ok, err := fieldMatches(req, cluster)
			if err != nil {
				return false, fmt.Errorf("fieldSelector.matchExpressions[%d]: %w", i, err)
			}
			if !ok {
				return false, nil
			}
		}
	}
	return true, nil
}

// fieldMatches matches one field selector expression against the cluster's
// values of the field: its provider or region (none when unset), or its
// zones (spec.zones and the deprecated spec.zone). As in Karmada, a cluster
// spanning several zones is "In" when any of them is listed, and "NotIn"
// when none is. Exists and DoesNotExist test whether the field has a value.
// These are the semantics of placement's cluster affinity, so that one
// ClusterAffinity selects the same clusters in both places.
func fieldMatches(req corev1.NodeSelectorRequirement, cluster *clusterv1alpha1.Cluster) (bool, error) {
	var values []string
	switch req.Key {
	case policyv1alpha1.ProviderField:
		values = []string{cluster.Spec.Provider}
	case policyv1alpha1.RegionField:
		values = []string{cluster.Spec.Region}
	case policyv1alpha1.ZoneField:
		values = append([]string{cluster.Spec.Zone}, cluster.Spec.Zones...)
	default:
		return false, fmt.Errorf("unsupported key %q: want %q, %q or %q", req.Key,
			policyv1alpha1.ProviderField, policyv1alpha1.RegionField, policyv1alpha1.ZoneField)
	}
	values = slices.DeleteFunc(values, func(v string) bool { return v == "" })
	listed := slices.ContainsFunc(values, func(v string) bool { return slices.Contains(req.Values, v) })
	switch req.Operator {
	case corev1.NodeSelectorOpIn, corev1.NodeSelectorOpNotIn:
		if len(req.Values) == 0 {
			return false, fmt.Errorf("operator %q on %q needs values", req.Operator, req.Key)
		}
		return listed == (req.Operator == corev1.NodeSelectorOpIn), nil
	case corev1.NodeSelectorOpExists:
		return len(values) > 0, nil
	case corev1.NodeSelectorOpDoesNotExist:
		return len(values) == 0, nil
	default:
		return false, fmt.Errorf("unsupported operator %q: want %q, %q, %q or %q", req.Operator,
			corev1.NodeSelectorOpIn, corev1.NodeSelectorOpNotIn, corev1.NodeSelectorOpExists, corev1.NodeSelectorOpDoesNotExist)
	}
}
