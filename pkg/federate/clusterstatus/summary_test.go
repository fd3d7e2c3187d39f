package clusterstatus

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
)

// list builds a ResourceList from name/quantity pairs.
func list(pairs ...string) corev1.ResourceList {
	out := corev1.ResourceList{}
	for i := 0; i < len(pairs); i += 2 {
		out[corev1.ResourceName(pairs[i])] = resource.MustParse(pairs[i+1])
	}
	return out
}

func container(requests corev1.ResourceList) corev1.Container {
	return corev1.Container{Name: "c", Resources: corev1.ResourceRequirements{Requests: requests}}
}

func sidecar(requests corev1.ResourceList) corev1.Container {
	always := corev1.ContainerRestartPolicyAlways
	c := container(requests)
	c.RestartPolicy = &always
	return c
}

// quantityEqual compares quantities by value, not by representation.
var quantityEqual = cmp.Comparer(func(a, b resource.Quantity) bool { return a.Cmp(b) == 0 })

func TestPodRequests(t *testing.T) {
	tests := []struct {
		name string
		spec corev1.PodSpec
		want corev1.ResourceList
	}{
		{
			name: "no requests",
			spec: corev1.PodSpec{Containers: []corev1.Container{container(nil)}},
			want: corev1.ResourceList{},
		},
		{
			name: "containers add up",
			spec: corev1.PodSpec{Containers: []corev1.Container{
				container(list("cpu", "100m", "memory", "64Mi")),
				container(list("cpu", "200m", "nvidia.com/gpu", "1")),
			}},
			want: list("cpu", "300m", "memory", "64Mi", "nvidia.com/gpu", "1"),
		},
		{
			name: "largest init container wins per resource",
			spec: corev1.PodSpec{
				InitContainers: []corev1.Container{
					container(list("cpu", "1", "memory", "10Mi")),
					container(list("cpu", "100m", "memory", "1Gi")),
				},
				Containers: []corev1.Container{container(list("cpu", "500m", "memory", "100Mi"))},
			},
			want: list("cpu", "1", "memory", "1Gi"),
		},
		{
			name: "sidecars run beside containers and later init containers",
			spec: corev1.PodSpec{
				InitContainers: []corev1.Container{
					sidecar(list("cpu", "200m")),
					container(list("cpu", "1")),
				},
				Containers: []corev1.Container{container(list("cpu", "500m"))},
			},
			// init peak: 200m + 1 = 1.2; running: 500m + 200m = 700m.
			want: list("cpu", "1200m"),
		},
		{
			name: "overhead is added",
			spec: corev1.PodSpec{
				Containers: []corev1.Container{container(list("cpu", "100m"))},
				Overhead:   list("cpu", "50m", "memory", "20Mi"),
			},
			want: list("cpu", "150m", "memory", "20Mi"),
		},
		{
			name: "pod-level requests replace the aggregate",
			spec: corev1.PodSpec{
				Resources:  &corev1.ResourceRequirements{Requests: list("cpu", "2")},
				Containers: []corev1.Container{container(list("cpu", "100m", "memory", "1Gi"))},
			},
			want: list("cpu", "2", "memory", "1Gi"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := podRequests(&corev1.Pod{Spec: tt.spec})
			if diff := cmp.Diff(tt.want, got, quantityEqual); diff != "" {
				t.Errorf("podRequests() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func node(name string, ready corev1.ConditionStatus, allocatable corev1.ResourceList) *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Status: corev1.NodeStatus{
			Allocatable: allocatable,
			Conditions:  []corev1.NodeCondition{{Type: corev1.NodeReady, Status: ready}},
		},
	}
}

func pod(nodeName string, phase corev1.PodPhase, requests corev1.ResourceList) *corev1.Pod {
	return &corev1.Pod{
		Spec:   corev1.PodSpec{NodeName: nodeName, Containers: []corev1.Container{container(requests)}},
		Status: corev1.PodStatus{Phase: phase},
	}
}

func TestSummarize(t *testing.T) {
	tests := []struct {
		name        string
		nodes       []*corev1.Node
		pods        []*corev1.Pod
		wantNodes   *clusterv1alpha1.NodeSummary
		wantSummary *clusterv1alpha1.ResourceSummary
	}{
		{
			name:      "empty cluster",
			wantNodes: &clusterv1alpha1.NodeSummary{},
			wantSummary: &clusterv1alpha1.ResourceSummary{
				Allocatable: corev1.ResourceList{},
				Allocated:   list("pods", "0"),
				Allocating:  list("pods", "0"),
			},
		},
		{
			name: "only Ready nodes are allocatable",
			nodes: []*corev1.Node{
				node("n1", corev1.ConditionTrue, list("cpu", "4", "memory", "8Gi", "pods", "110")),
				node("n2", corev1.ConditionFalse, list("cpu", "4", "memory", "8Gi", "pods", "110")),
				node("n3", corev1.ConditionUnknown, list("cpu", "4", "memory", "8Gi", "pods", "110")),
				{ObjectMeta: metav1.ObjectMeta{Name: "n4"}, Status: corev1.NodeStatus{Allocatable: list("cpu", "4")}},
				node("n5", corev1.ConditionTrue, list("cpu", "2", "memory", "4Gi", "pods", "110")),
			},
			wantNodes: &clusterv1alpha1.NodeSummary{TotalNum: 5, ReadyNum: 2},
			wantSummary: &clusterv1alpha1.ResourceSummary{
				Allocatable: list("cpu", "6", "memory", "12Gi", "pods", "220"),
				Allocated:   list("pods", "0"),
				Allocating:  list("pods", "0"),
			},
		},
		{
			name: "pods by phase and binding",
			pods: []*corev1.Pod{
				pod("n1", corev1.PodRunning, list("cpu", "1")),
				pod("n1", corev1.PodPending, list("cpu", "2")),
				pod("n1", corev1.PodUnknown, list("cpu", "4")),
				pod("n1", corev1.PodSucceeded, list("cpu", "100")),
				pod("n1", corev1.PodFailed, list("cpu", "100")),
				pod("", corev1.PodPending, list("cpu", "500m", "memory", "1Gi")),
				pod("", corev1.PodPending, list("cpu", "250m")),
				pod("", corev1.PodFailed, list("cpu", "100")),
			},
			wantNodes: &clusterv1alpha1.NodeSummary{},
			wantSummary: &clusterv1alpha1.ResourceSummary{
				Allocatable: corev1.ResourceList{},
				Allocated:   list("cpu", "7", "pods", "3"),
				Allocating:  list("cpu", "750m", "memory", "1Gi", "pods", "2"),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gotNodes, gotSummary := summarize(tt.nodes, tt.pods)
			if diff := cmp.Diff(tt.wantNodes, gotNodes); diff != "" {
				t.Errorf("node summary mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantSummary, gotSummary, quantityEqual); diff != "" {
				t.Errorf("resource summary mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTrimPod(t *testing.T) {
	always := corev1.ContainerRestartPolicyAlways
	full := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", ResourceVersion: "7", Labels: map[string]string{"a": "b"}},
		Spec: corev1.PodSpec{
			NodeName: "n1",
			Overhead: list("cpu", "10m"),
			InitContainers: []corev1.Container{{
				Name: "init", Image: "busybox", RestartPolicy: &always,
				Resources: corev1.ResourceRequirements{Requests: list("cpu", "1"), Limits: list("cpu", "2")},
			}},
			Containers: []corev1.Container{{
				Name: "app", Image: "nginx", Env: []corev1.EnvVar{{Name: "X", Value: "y"}},
				Resources: corev1.ResourceRequirements{Requests: list("memory", "1Gi")},
			}},
			Volumes: []corev1.Volume{{Name: "v"}},
		},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.0.0.1"},
	}
	want := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", ResourceVersion: "7"},
		Spec: corev1.PodSpec{
			NodeName:       "n1",
			Overhead:       list("cpu", "10m"),
			InitContainers: []corev1.Container{{Name: "init", RestartPolicy: &always, Resources: corev1.ResourceRequirements{Requests: list("cpu", "1")}}},
			Containers:     []corev1.Container{{Name: "app", Resources: corev1.ResourceRequirements{Requests: list("memory", "1Gi")}}},
		},
		Status: corev1.PodStatus{Phase: corev1.PodRunning},
	}
	got, err := trimPod(full)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, quantityEqual); diff != "" {
		t.Errorf("trimPod() mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(podRequests(full), podRequests(got.(*corev1.Pod)), quantityEqual); diff != "" {
		t.Errorf("trimming changed the requests (-full +trimmed):\n%s", diff)
	}
}
