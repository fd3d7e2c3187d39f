package cordon

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	crfake "sigs.k8s.io/controller-runtime/pkg/client/fake"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/federate/membership"
)

func TestRun(t *testing.T) {
	cordoned := []corev1.Taint{{Key: "cluster.karmada.io/unschedulable", Effect: corev1.TaintEffectNoSchedule}}
	tests := []struct {
		name     string
		taints   []corev1.Taint
		uncordon bool
		cluster  string
		wantOut  string
		wantErr  string
	}{
		{name: "cordon", wantOut: "cluster/member1 cordoned\n"},
		{name: "cordon again", taints: cordoned, wantOut: "cluster/member1 already cordoned\n"},
		{name: "uncordon", taints: cordoned, uncordon: true, wantOut: "cluster/member1 uncordoned\n"},
		{name: "uncordon again", uncordon: true, wantOut: "cluster/member1 already uncordoned\n"},
		{name: "unknown cluster", cluster: "nope", wantErr: `cluster "nope" not found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := membership.NewScheme()
			if err != nil {
				t.Fatal(err)
			}
			c := crfake.NewClientBuilder().WithScheme(s).WithObjects(&clusterv1alpha1.Cluster{
				ObjectMeta: metav1.ObjectMeta{Name: "member1"},
				Spec:       clusterv1alpha1.ClusterSpec{SyncMode: clusterv1alpha1.Push, Taints: tt.taints},
			}).Build()
			streams, _, out, _ := genericiooptions.NewTestIOStreams()
			name := tt.cluster
			if name == "" {
				name = "member1"
			}
			o := &CordonOptions{IOStreams: streams, Name: name, Uncordon: tt.uncordon, Clusters: c}
			err = o.Run(context.Background())
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Run() error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantOut, out.String()); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
		})
	}
}
