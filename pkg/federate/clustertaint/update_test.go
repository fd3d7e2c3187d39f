package clustertaint

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crfake "sigs.k8s.io/controller-runtime/pkg/client/fake"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/federate/membership"
)

func TestUpdate(t *testing.T) {
	tainted := []corev1.Taint{{Key: "a", Effect: corev1.TaintEffectNoSchedule}}
	tests := []struct {
		name        string
		cluster     string
		edit        func([]corev1.Taint) ([]corev1.Taint, error)
		want        []corev1.Taint
		wantChanged bool
		wantErr     string
	}{
		{
			name:        "writes changed taints",
			cluster:     "member1",
			edit:        func(t []corev1.Taint) ([]corev1.Taint, error) { out, _ := Cordon(t); return out, nil },
			want:        append(tainted[:1:1], Unschedulable),
			wantChanged: true,
		},
		{
			name:    "leaves unchanged taints alone",
			cluster: "member1",
			edit:    func(t []corev1.Taint) ([]corev1.Taint, error) { out, _ := Uncordon(t); return out, nil },
			want:    tainted,
		},
		{
			name:    "passes edit errors on",
			cluster: "member1",
			edit:    func([]corev1.Taint) ([]corev1.Taint, error) { return nil, errors.New("boom") },
			want:    tainted,
			wantErr: "boom",
		},
		{
			name:    "a missing cluster",
			cluster: "nope",
			edit:    func(t []corev1.Taint) ([]corev1.Taint, error) { return t, nil },
			want:    tainted,
			wantErr: `cluster "nope" not found`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := membership.NewScheme()
			if err != nil {
				t.Fatal(err)
			}
			c := crfake.NewClientBuilder().WithScheme(s).WithObjects(&clusterv1alpha1.Cluster{
				ObjectMeta: metav1.ObjectMeta{Name: "member1"},
				Spec:       clusterv1alpha1.ClusterSpec{SyncMode: clusterv1alpha1.Push, Taints: tainted},
			}).Build()
			changed, err := Update(context.Background(), c, tt.cluster, tt.edit)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Update() error = %v, want %q", err, tt.wantErr)
				}
				if tt.cluster == "nope" && !apierrors.IsNotFound(err) {
					t.Errorf("Update() error is not NotFound")
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if changed != tt.wantChanged {
				t.Errorf("Update() changed = %v, want %v", changed, tt.wantChanged)
			}
			got := &clusterv1alpha1.Cluster{}
			if err := c.Get(context.Background(), client.ObjectKey{Name: "member1"}, got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got.Spec.Taints); diff != "" {
				t.Errorf("stored taints (-want +got):\n%s", diff)
			}
		})
	}
}
