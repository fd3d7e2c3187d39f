package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	"github.com/fleetplane/fleetplane/test/e2e/framework"
)

// memberTopology is what hack/sandbox.sh gives each member's nodes and join flags.
var memberTopology = map[string]struct{ provider, region, zone string }{
	framework.Member1: {"aws", "us-east-1", "us-east-1a"},
	framework.Member2: {"aws", "us-east-1", "us-east-1b"},
	framework.Member3: {"gcp", "europe-west1", "europe-west1-b"},
}

func TestClustersJoinedWithStatus(t *testing.T) {
	sb := framework.Load(t)
	c := sb.Karmada(t)
	for _, m := range framework.Members {
		t.Run(m, func(t *testing.T) {
			sb.WaitClusterReady(t.Context(), t, m, metav1.ConditionTrue, 90*time.Second)
			framework.WaitFor(t.Context(), t, 60*time.Second, m+" status summaries", func(ctx context.Context) (bool, string, error) {
				var cl clusterv1alpha1.Cluster
				if err := c.Get(ctx, client.ObjectKey{Name: m}, &cl); err != nil {
					return false, "", err
				}
				st := cl.Status
				seen := fmt.Sprintf("version=%q apis=%d nodes=%+v resources=%v", st.KubernetesVersion, len(st.APIEnablements), st.NodeSummary, st.ResourceSummary != nil)
				if st.KubernetesVersion == "" || st.NodeSummary == nil || st.ResourceSummary == nil {
					return false, seen, nil
				}
				if st.NodeSummary.TotalNum < 2 || st.NodeSummary.ReadyNum != st.NodeSummary.TotalNum {
					return false, seen, nil
				}
				cpu := st.ResourceSummary.Allocatable.Cpu()
				if cpu.IsZero() {
					return false, seen, nil
				}
				return servesDeployments(st.APIEnablements), seen, nil
			})
			var cl clusterv1alpha1.Cluster
			if err := c.Get(t.Context(), client.ObjectKey{Name: m}, &cl); err != nil {
				t.Fatal(err)
			}
			want := memberTopology[m]
			if cl.Spec.Provider != want.provider || cl.Spec.Region != want.region || !slices.Contains(cl.Spec.Zones, want.zone) {
				t.Errorf("topology = %s/%s/%v, want %+v", cl.Spec.Provider, cl.Spec.Region, cl.Spec.Zones, want)
			}
			if cl.Spec.ImpersonatorSecretRef == nil || cl.Spec.SecretRef == nil {
				t.Errorf("credentials refs missing: %+v", cl.Spec)
			}
		})
	}
}

func servesDeployments(apis []clusterv1alpha1.APIEnablement) bool {
	for _, a := range apis {
		if a.GroupVersion != "apps/v1" {
			continue
		}
		for _, r := range a.Resources {
			if r.Name == "deployments" && r.Kind == "Deployment" {
				return true
			}
		}
	}
	return false
}

func TestInvalidClusterRejectedWithFieldPaths(t *testing.T) {
	sb := framework.Load(t)
	c := sb.Karmada(t)
	bad := &clusterv1alpha1.Cluster{
		ObjectMeta: metav1.ObjectMeta{Name: framework.RandomName("bad")},
		Spec: clusterv1alpha1.ClusterSpec{
			SyncMode:    "Sideways",
			APIEndpoint: "not a url",
			Taints: []corev1.Taint{
				{Key: "dedicated", Effect: "NoSchedule"},
				{Key: "dedicated", Effect: "NoSchedule"},
			},
		},
	}
	err := c.Create(t.Context(), bad)
	if !apierrors.IsInvalid(err) {
		t.Fatalf("create = %v, want 422 Invalid", err)
	}
	for _, path := range []string{"spec.syncMode", "spec.apiEndpoint", "spec.taints[1]"} {
		if !strings.Contains(err.Error(), path) {
			t.Errorf("error %q does not name %s", err, path)
		}
	}
	push := &clusterv1alpha1.Cluster{
		ObjectMeta: metav1.ObjectMeta{Name: framework.RandomName("bad")},
		Spec:       clusterv1alpha1.ClusterSpec{SyncMode: clusterv1alpha1.Push, APIEndpoint: "https://127.0.0.1:1"},
	}
	if err := c.Create(t.Context(), push); !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec.secretRef") {
		t.Fatalf("push cluster without secretRef: %v, want 422 naming spec.secretRef", err)
	}
}

func TestUnprivilegedUserCannotReadClusters(t *testing.T) {
	sb := framework.Load(t)
	carol := kubernetes.NewForConfigOrDie(sb.UserConfig(t, framework.RandomName("carol")))
	_, err := carol.Discovery().RESTClient().Get().AbsPath("/apis/cluster.karmada.io/v1alpha1/clusters").DoRaw(t.Context())
	if !apierrors.IsForbidden(err) {
		t.Fatalf("listing clusters as an unprivileged user: %v, want 403", err)
	}
}

// statusOf returns the HTTP status code of a raw request error, or 200.
func statusOf(err error) int {
	if err == nil {
		return http.StatusOK
	}
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		return int(status.Status().Code)
	}
	return -1
}

func readyReason(cl *clusterv1alpha1.Cluster) string {
	if c := meta.FindStatusCondition(cl.Status.Conditions, clusterv1alpha1.ClusterConditionReady); c != nil {
		return c.Reason
	}
	return ""
}
