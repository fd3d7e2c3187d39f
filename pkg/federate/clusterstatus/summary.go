package clusterstatus

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
)

// summarize computes the node and resource summaries of a member from its nodes and
// its pods. Allocatable counts Ready nodes only; allocated counts the requests of
// pods bound to a node that have not finished; allocating counts the requests of
// pending pods not bound yet. Each of them also counts pods.
func summarize(nodes []*corev1.Node, pods []*corev1.Pod) (*clusterv1alpha1.NodeSummary, *clusterv1alpha1.ResourceSummary) {
	nodeSummary := &clusterv1alpha1.NodeSummary{TotalNum: int32(len(nodes))}
	allocatable := corev1.ResourceList{}
	for _, n := range nodes {
		if !nodeReady(n) {
			continue
		}
		nodeSummary.ReadyNum++
		addTo(allocatable, n.Status.Allocatable)
	}
	allocated, allocating := corev1.ResourceList{}, corev1.ResourceList{}
	var boundPods, pendingPods int64
	for _, p := range pods {
		switch {
		case p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed:
		case p.Spec.NodeName != "":
			boundPods++
			addTo(allocated, podRequests(p))
		case p.Status.Phase == corev1.PodPending:
			pendingPods++
			addTo(allocating, podRequests(p))
		}
	}
	allocated[corev1.ResourcePods] = *resource.NewQuantity(boundPods, resource.DecimalSI)
	allocating[corev1.ResourcePods] = *resource.NewQuantity(pendingPods, resource.DecimalSI)
	return nodeSummary, &clusterv1alpha1.ResourceSummary{
		Allocatable: allocatable,
		Allocated:   allocated,
		Allocating:  allocating,
	}
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// podRequests is what the scheduler reserves for a pod: the larger of what its
// containers need together while running and what any init container needs while it
// runs, plus the pod overhead. Sidecars (init containers that restart always) keep
// running, so they add to both. Pod-level requests, when set, replace the
// aggregate of the resources they name.
func podRequests(p *corev1.Pod) corev1.ResourceList {
	running := corev1.ResourceList{}
	for _, c := range p.Spec.Containers {
		addTo(running, c.Resources.Requests)
	}
	sidecars, initPeak := corev1.ResourceList{}, corev1.ResourceList{}
	for _, c := range p.Spec.InitContainers {
		var step corev1.ResourceList
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			addTo(running, c.Resources.Requests)
			addTo(sidecars, c.Resources.Requests)
			step = sidecars.DeepCopy()
		} else {
			step = sidecars.DeepCopy()
			addTo(step, c.Resources.Requests)
		}
		maxInto(initPeak, step)
	}
	maxInto(running, initPeak)
	if p.Spec.Resources != nil {
		for name, q := range p.Spec.Resources.Requests {
			running[name] = q.DeepCopy()
		}
	}
	addTo(running, p.Spec.Overhead)
	return running
}

func addTo(sum, add corev1.ResourceList) {
	for name, q := range add {
		cur := sum[name]
		cur.Add(q)
		sum[name] = cur
	}
}

func maxInto(dst, other corev1.ResourceList) {
	for name, q := range other {
		if cur, ok := dst[name]; !ok || q.Cmp(cur) > 0 {
			dst[name] = q.DeepCopy()
		}
	}
}
