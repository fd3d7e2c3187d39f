package clusterstatus

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
)

func discoveryFor(t *testing.T, host, token string) discovery.DiscoveryInterface {
	t.Helper()
	d, err := discovery.NewDiscoveryClientForConfig(&rest.Config{Host: host, BearerToken: token, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestProbe(t *testing.T) {
	tests := []struct {
		name    string
		readyz  int32
		healthz int32
		token   string
		stopped bool
		want    health
	}{
		{
			name:   "ready",
			readyz: http.StatusOK,
			want:   health{ready: true, reason: ReasonClusterReady, message: "cluster is healthy and ready to accept workloads"},
		},
		{
			name:   "not ready",
			readyz: http.StatusInternalServerError,
			want: health{reason: ReasonClusterNotReady,
				message: "GET /readyz answered 500: [-]etcd failed: reason withheld\nreadyz check failed"},
		},
		{
			name:    "no /readyz, healthy /healthz",
			healthz: http.StatusOK,
			want:    health{ready: true, reason: ReasonClusterReady, message: "cluster is healthy and ready to accept workloads"},
		},
		{
			name:    "no /readyz, unhealthy /healthz",
			healthz: http.StatusServiceUnavailable,
			want:    health{reason: ReasonClusterNotReady, message: "GET /healthz answered 503: the server is currently unable to handle the request"},
		},
		{
			name:   "token rejected",
			readyz: http.StatusOK,
			token:  "stale-token",
			want:   health{reason: ReasonInvalidCredentials, message: "the cluster rejected the token of spec.secretRef (401 Unauthorized)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newFakeMember(t)
			m.readyz.Store(tt.readyz)
			m.healthz.Store(tt.healthz)
			token := tt.token
			if token == "" {
				token = "good-token"
			}
			got := probe(context.Background(), discoveryFor(t, m.URL, token), time.Second)
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(health{})); diff != "" {
				t.Errorf("probe() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestProbeUnreachable(t *testing.T) {
	m := newFakeMember(t)
	m.Close()
	got := probe(context.Background(), discoveryFor(t, m.URL, "good-token"), time.Second)
	if got.ready || got.reason != ReasonClusterNotReachable {
		t.Errorf("probe() of a stopped server = %+v, want %s", got, ReasonClusterNotReachable)
	}
}

func TestDiscover(t *testing.T) {
	core := clusterv1alpha1.APIEnablement{GroupVersion: "v1", Resources: []clusterv1alpha1.APIResource{
		{Name: "nodes", Kind: "Node"}, {Name: "pods", Kind: "Pod"},
	}}
	apps := clusterv1alpha1.APIEnablement{GroupVersion: "apps/v1", Resources: []clusterv1alpha1.APIResource{
		{Name: "deployments", Kind: "Deployment"},
	}}
	batch := clusterv1alpha1.APIEnablement{GroupVersion: "batch/v1", Resources: []clusterv1alpha1.APIResource{
		{Name: "cronjobs", Kind: "CronJob"}, {Name: "jobs", Kind: "Job"},
	}}
	tests := []struct {
		name        string
		brokenGroup bool
		want        apis
	}{
		{
			name: "sorted, without subresources",
			want: apis{enablements: []clusterv1alpha1.APIEnablement{apps, batch, core}},
		},
		{
			name:        "partial discovery keeps what was found",
			brokenGroup: true,
			want:        apis{enablements: []clusterv1alpha1.APIEnablement{batch, core}, failed: []string{"apps/v1"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newFakeMember(t)
			m.brokenGroup.Store(tt.brokenGroup)
			got, err := discover(context.Background(), discoveryFor(t, m.URL, "good-token"), 2*time.Second)
			if err != nil {
				t.Fatalf("discover() error: %v", err)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(apis{})); diff != "" {
				t.Errorf("discover() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
