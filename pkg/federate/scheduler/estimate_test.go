package scheduler

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
)

func TestAvailableReplicas(t *testing.T) {
	request := func(kv ...string) corev1.ResourceList {
		l := corev1.ResourceList{}
		for i := 0; i+1 < len(kv); i += 2 {
			l[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
		}
		return l
	}
	tests := []struct {
		name    string
		cluster *clusterv1alpha1.Cluster
		request corev1.ResourceList
		want    int64
	}{
		{
			name:    "no requests: pods limit only",
			cluster: newCluster("a", withResources([]string{"pods", "110", "cpu", "1"}, []string{"pods", "10"})),
			want:    100,
		},
		{
			name:    "cpu is the limit",
			cluster: newCluster("a", withResources([]string{"pods", "110", "cpu", "8"}, []string{"pods", "10", "cpu", "2500m"})),
			request: request("cpu", "500m"),
			want:    11,
		},
		{
			name:    "pods are the limit",
			cluster: newCluster("a", withResources([]string{"pods", "5", "cpu", "8"}, nil)),
			request: request("cpu", "100m"),
			want:    5,
		},
		{
			name:    "memory is the limit",
			cluster: newCluster("a", withResources([]string{"pods", "100", "cpu", "8", "memory", "4Gi"}, nil)),
			request: request("cpu", "100m", "memory", "1500Mi"),
			want:    2,
		},
		{
			name: "allocating counts",
			cluster: func() *clusterv1alpha1.Cluster {
				c := newCluster("a", withResources([]string{"pods", "100", "cpu", "8"}, []string{"cpu", "2"}))
				c.Status.ResourceSummary.Allocating = request("cpu", "2")
				return c
			}(),
			request: request("cpu", "1"),
			want:    4,
		},
		{
			name:    "requested resource the cluster lacks",
			cluster: newCluster("a", withResources([]string{"pods", "100", "cpu", "8"}, nil)),
			request: request("nvidia.com/gpu", "1"),
			want:    0,
		},
		{
			name:    "zero request is ignored",
			cluster: newCluster("a", withResources([]string{"pods", "3", "cpu", "8"}, nil)),
			request: request("nvidia.com/gpu", "0"),
			want:    3,
		},
		{
			name:    "overcommitted",
			cluster: newCluster("a", withResources([]string{"pods", "100", "cpu", "2"}, []string{"cpu", "3"})),
			request: request("cpu", "1"),
			want:    0,
		},
		{
			name: "no resource summary",
			cluster: func() *clusterv1alpha1.Cluster {
				c := newCluster("a")
				c.Status.ResourceSummary = nil
				return c
			}(),
			want: 0,
		},
		{
			name:    "huge values are clamped",
			cluster: newCluster("a", withResources([]string{"pods", "1e12", "memory", "1Ei"}, nil)),
			request: request("memory", "1"),
			want:    2147483647,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := availableReplicas(tt.cluster, tt.request); got != tt.want {
				t.Errorf("availableReplicas() = %d, want %d", got, tt.want)
			}
		})
	}
}
