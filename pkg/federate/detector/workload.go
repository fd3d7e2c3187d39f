package detector

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	workv1alpha2 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha2"
)

// workloads are the kinds whose replicas the scheduler divides: their API group,
// the spec field holding the replica count (1 when unset), and where they keep their
// pod template (a Pod is its own template).
var workloads = map[string]struct {
	group, replicasField string
	templatePath         []string
}{
	"Deployment":  {group: "apps", replicasField: "replicas", templatePath: []string{"spec", "template"}},
	"StatefulSet": {group: "apps", replicasField: "replicas", templatePath: []string{"spec", "template"}},
	"ReplicaSet":  {group: "apps", replicasField: "replicas", templatePath: []string{"spec", "template"}},
	"Job":         {group: "batch", replicasField: "parallelism", templatePath: []string{"spec", "template"}},
	"Pod":         {group: ""},
}

// Replicas returns the replica count and per-replica resource requests of a
// workload template, and false for anything that is not a workload.
func Replicas(obj *unstructured.Unstructured) (int32, *workv1alpha2.ReplicaRequirements, bool) {
	w, ok := workloads[obj.GetKind()]
	if !ok || obj.GroupVersionKind().Group != w.group {
		return 0, nil, false
	}
	var podSpec corev1.PodSpec
	var replicas int64 = 1
	if w.templatePath == nil {
		spec, found, _ := unstructured.NestedMap(obj.Object, "spec")
		if !found || runtime.DefaultUnstructuredConverter.FromUnstructured(spec, &podSpec) != nil {
			return 1, nil, true
		}
	} else {
		if n, found, err := unstructured.NestedInt64(obj.Object, "spec", w.replicasField); found && err == nil {
			replicas = n
		}
		tmpl, found, _ := unstructured.NestedMap(obj.Object, w.templatePath...)
		var pt corev1.PodTemplateSpec
		if found && runtime.DefaultUnstructuredConverter.FromUnstructured(tmpl, &pt) == nil {
			podSpec = pt.Spec
		}
	}
	return int32(replicas), requirements(&podSpec), true
}

// requirements is what one replica asks of a node: the larger of its containers'
// summed requests and any single init container's, plus the pod overhead, as the
// kube-scheduler counts it.
func requirements(spec *corev1.PodSpec) *workv1alpha2.ReplicaRequirements {
	total := corev1.ResourceList{}
	for _, c := range spec.Containers {
		addTo(total, c.Resources.Requests)
	}
	for _, c := range spec.InitContainers {
		for name, q := range c.Resources.Requests {
			if cur, ok := total[name]; !ok || q.Cmp(cur) > 0 {
				total[name] = q.DeepCopy()
			}
		}
	}
	addTo(total, spec.Overhead)
	if len(total) == 0 {
		return nil
	}
	req := &workv1alpha2.ReplicaRequirements{ResourceRequest: total, PriorityClassName: spec.PriorityClassName}
	if len(spec.NodeSelector) > 0 || len(spec.Tolerations) > 0 || spec.Affinity != nil && spec.Affinity.NodeAffinity != nil {
		req.NodeClaim = &workv1alpha2.NodeClaim{NodeSelector: spec.NodeSelector, Tolerations: spec.Tolerations}
		if spec.Affinity != nil && spec.Affinity.NodeAffinity != nil {
			req.NodeClaim.HardNodeAffinity = spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution
		}
	}
	return req
}

func addTo(total, add corev1.ResourceList) {
	for name, q := range add {
		sum := total[name]
		if sum.IsZero() {
			sum = resource.Quantity{Format: q.Format}
		}
		sum.Add(q)
		total[name] = sum
	}
}
