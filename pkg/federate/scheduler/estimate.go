package scheduler

import (
	"math"

	"gopkg.in/inf.v0"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
)

// availableReplicas estimates how many more replicas a cluster can run from its
// resource summary: for each requested resource, and for pods at one per
// replica, what is left (allocatable - allocated - allocating) divided by the
// request, rounded down; the smallest of these wins. A cluster without a
// summary, or without a resource that is requested, fits none.
func availableReplicas(c *clusterv1alpha1.Cluster, request corev1.ResourceList) int64 {
	s := c.Status.ResourceSummary
	if s == nil {
		return 0
	}
	est := fits(remaining(s, corev1.ResourcePods), *resource.NewQuantity(1, resource.DecimalSI))
	for name, q := range request {
		if name == corev1.ResourcePods || q.Sign() <= 0 {
			continue
		}
		est = min(est, fits(remaining(s, name), q))
	}
	return est
}

// remaining is what is left of a resource once bound and pending pods are
// counted.
func remaining(s *clusterv1alpha1.ResourceSummary, name corev1.ResourceName) resource.Quantity {
	left := s.Allocatable[name].DeepCopy()
	left.Sub(s.Allocated[name])
	left.Sub(s.Allocating[name])
	return left
}

// fits is floor(available / request) in exact decimal arithmetic, clamped to
// [0, MaxInt32] since it ends up compared with an int32 replica count.
func fits(available, request resource.Quantity) int64 {
	if available.Sign() <= 0 || request.Sign() <= 0 {
		return 0
	}
	q := new(inf.Dec).QuoRound(available.AsDec(), request.AsDec(), 0, inf.RoundDown)
	n := q.UnscaledBig()
	if !n.IsInt64() || n.Int64() > math.MaxInt32 {
		return math.MaxInt32
	}
	return n.Int64()
}
