package clusterclient

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetplane/fleetplane/internal/controlplanetest"
	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
)

func cluster(name string, ready bool) clusterv1alpha1.Cluster {
	status := metav1.ConditionFalse
	if ready {
		status = metav1.ConditionTrue
	}
	return clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: name},
		Status: clusterv1alpha1.ClusterStatus{Conditions: []metav1.Condition{{Type: clusterv1alpha1.ClusterConditionReady, Status: status}}}}
}

func TestSelect(t *testing.T) {
	clusters := []clusterv1alpha1.Cluster{cluster("member1", true), cluster("member2", false), cluster("member3", true)}
	tests := []struct {
		name      string
		clusters  []clusterv1alpha1.Cluster
		requested []string
		want      []string
		wantErr   string
	}{
		{name: "every Ready cluster", clusters: clusters, want: []string{"member1", "member3"}},
		{name: "requested, sorted, once", clusters: clusters, requested: []string{"member3", "member2", "member3"},
			want: []string{"member2", "member3"}},
		{name: "unknown", clusters: clusters, requested: []string{"member1", "nope"}, wantErr: `cluster "nope" not found`},
		{name: "none registered", wantErr: "no member clusters are registered with the control plane"},
		{name: "none Ready", clusters: clusters[1:2], wantErr: "none of the 1 member clusters is Ready"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Select(tt.clusters, tt.requested)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Select() error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Select() (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSelectFor(t *testing.T) {
	srv := controlplanetest.New(t, controlplanetest.Member{Name: "member2"}, controlplanetest.Member{Name: "member1"},
		controlplanetest.Member{Name: "member3", NotReady: true})
	f := srv.Factory(t, "default")
	got, err := SelectFor(context.Background(), f, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"member1", "member2"}, got); diff != "" {
		t.Errorf("SelectFor() (-want +got):\n%s", diff)
	}
	var notFound *NotFoundError
	if err := CheckNamesFor(context.Background(), f, []string{"member3", "nope"}); !errors.As(err, &notFound) || notFound.Name != "nope" {
		t.Errorf("CheckNamesFor() error = %v, want cluster nope not found", err)
	}
}

func TestCompletion(t *testing.T) {
	srv := controlplanetest.New(t, controlplanetest.Member{Name: "member1"}, controlplanetest.Member{Name: "member2"},
		controlplanetest.Member{Name: "edge1"})
	f := srv.Factory(t, "default")
	cmd := &cobra.Command{}
	cmd.SetContext(context.Background())
	tests := []struct {
		name       string
		complete   cobra.CompletionFunc
		toComplete string
		want       []string
	}{
		{name: "one", complete: CompleteCluster(f), toComplete: "mem", want: []string{"member1", "member2"}},
		{name: "all", complete: CompleteCluster(f), want: []string{"edge1", "member1", "member2"}},
		{name: "last of a list", complete: CompleteClusterList(f), toComplete: "edge1,m", want: []string{"edge1,member1", "edge1,member2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := tt.complete(cmd, nil, tt.toComplete)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("completions (-want +got):\n%s", diff)
			}
		})
	}
}
