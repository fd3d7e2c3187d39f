package taint

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crfake "sigs.k8s.io/controller-runtime/pkg/client/fake"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/federate/membership"
)

func TestRun(t *testing.T) {
	now := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	existing := []corev1.Taint{{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule}}
	tests := []struct {
		name       string
		args       []string
		overwrite  bool
		wantOut    string
		wantErr    string
		wantTaints []corev1.Taint
	}{
		{name: "add", args: []string{"spot:NoExecute"}, wantOut: "cluster/member1 tainted\n",
			wantTaints: append(existing[:1:1], corev1.Taint{Key: "spot", Effect: corev1.TaintEffectNoExecute, TimeAdded: &now})},
		{name: "remove", args: []string{"dedicated-"}, wantOut: "cluster/member1 untainted\n"},
		{name: "overwrite", args: []string{"dedicated=ml:NoSchedule"}, overwrite: true, wantOut: "cluster/member1 modified\n",
			wantTaints: []corev1.Taint{{Key: "dedicated", Value: "ml", Effect: corev1.TaintEffectNoSchedule}}},
		{name: "existing without overwrite", args: []string{"dedicated=ml:NoSchedule"}, wantTaints: existing,
			wantErr: "cluster member1: the cluster already has a taint with the same key and effect: dedicated:NoSchedule; pass --overwrite to replace"},
		{name: "removing a missing taint", args: []string{"spot-"}, wantTaints: existing, wantErr: "taint spot not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := membership.NewScheme()
			if err != nil {
				t.Fatal(err)
			}
			c := crfake.NewClientBuilder().WithScheme(s).WithObjects(&clusterv1alpha1.Cluster{
				ObjectMeta: metav1.ObjectMeta{Name: "member1"},
				Spec:       clusterv1alpha1.ClusterSpec{SyncMode: clusterv1alpha1.Push, Taints: existing},
			}).Build()
			streams, _, out, _ := genericiooptions.NewTestIOStreams()
			o := &TaintOptions{IOStreams: streams, Name: "member1", Args: tt.args, Overwrite: tt.overwrite,
				Clusters: c, Now: func() metav1.Time { return now }}
			if err := o.Validate(); err != nil {
				t.Fatal(err)
			}
			err = o.Run(context.Background())
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Run() error = %v, want %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantOut, out.String()); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
			got := &clusterv1alpha1.Cluster{}
			if err := c.Get(context.Background(), client.ObjectKey{Name: "member1"}, got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantTaints, got.Spec.Taints, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("taints (-want +got):\n%s", diff)
			}
		})
	}
}
