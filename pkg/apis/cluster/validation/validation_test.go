package validation

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
)

func validCluster() *clusterv1alpha1.Cluster {
	return &clusterv1alpha1.Cluster{
		ObjectMeta: metav1.ObjectMeta{Name: "member1"},
		Spec: clusterv1alpha1.ClusterSpec{
			SyncMode:    clusterv1alpha1.Push,
			APIEndpoint: "https://127.0.0.1:6443",
			SecretRef:   &clusterv1alpha1.LocalSecretReference{Namespace: "karmada-cluster", Name: "member1"},
		},
	}
}

func TestValidateCluster(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *clusterv1alpha1.Cluster)
		want   []string // "type field" of each error
	}{
		{name: "valid", mutate: func(*clusterv1alpha1.Cluster) {}},
		{name: "pull without endpoint or secret", mutate: func(c *clusterv1alpha1.Cluster) {
			c.Spec = clusterv1alpha1.ClusterSpec{SyncMode: clusterv1alpha1.Pull}
		}},
		{name: "bad sync mode", mutate: func(c *clusterv1alpha1.Cluster) { c.Spec.SyncMode = "Sideways" },
			want: []string{"FieldValueNotSupported spec.syncMode"}},
		{name: "missing sync mode", mutate: func(c *clusterv1alpha1.Cluster) { c.Spec.SyncMode = "" },
			want: []string{"FieldValueRequired spec.syncMode"}},
		{name: "malformed endpoint", mutate: func(c *clusterv1alpha1.Cluster) { c.Spec.APIEndpoint = "not a url" },
			want: []string{"FieldValueInvalid spec.apiEndpoint"}},
		{name: "endpoint without host", mutate: func(c *clusterv1alpha1.Cluster) { c.Spec.APIEndpoint = "https://" },
			want: []string{"FieldValueInvalid spec.apiEndpoint"}},
		{name: "push without secretRef", mutate: func(c *clusterv1alpha1.Cluster) { c.Spec.SecretRef = nil },
			want: []string{"FieldValueRequired spec.secretRef"}},
		{name: "secretRef without name", mutate: func(c *clusterv1alpha1.Cluster) { c.Spec.SecretRef.Name = "" },
			want: []string{"FieldValueRequired spec.secretRef.name"}},
		{name: "duplicate taints", mutate: func(c *clusterv1alpha1.Cluster) {
			c.Spec.Taints = []corev1.Taint{
				{Key: "dedicated", Value: "a", Effect: corev1.TaintEffectNoSchedule},
				{Key: "dedicated", Value: "b", Effect: corev1.TaintEffectNoSchedule},
			}
		}, want: []string{"FieldValueDuplicate spec.taints[1]"}},
		{name: "bad taint effect", mutate: func(c *clusterv1alpha1.Cluster) {
			c.Spec.Taints = []corev1.Taint{{Key: "k", Effect: "Sometimes"}}
		}, want: []string{"FieldValueNotSupported spec.taints[0].effect"}},
		{name: "name too long for its namespace", mutate: func(c *clusterv1alpha1.Cluster) {
			c.Name = "a-very-long-cluster-name-that-cannot-name-its-namespace"
		}, want: []string{"FieldValueInvalid metadata.name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validCluster()
			tt.mutate(c)
			var got []string
			for _, e := range ValidateCluster(c) {
				got = append(got, string(e.Type)+" "+e.Field)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}
