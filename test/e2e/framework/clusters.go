package framework

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
	workv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha1"
	workv1alpha2 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha2"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
)

// Scheme knows the Kubernetes and Karmada types the tests read and write.
var Scheme = runtime.NewScheme()

func init() {
	// The tests keep clients for minutes; controller-runtime would otherwise print a
	// stack trace complaining that no logger was set.
	ctrllog.SetLogger(logr.Discard())
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, clusterv1alpha1.AddToScheme,
		policyv1alpha1.AddToScheme, workv1alpha1.AddToScheme, workv1alpha2.AddToScheme} {
		if err := add(Scheme); err != nil {
			panic(err)
		}
	}
}

// Karmada returns a controller-runtime client of the control plane that knows the
// Karmada types.
func (s *Sandbox) Karmada(t testing.TB) client.Client {
	t.Helper()
	return s.ClientFor(t, s.RESTConfig(t, ControlPlane))
}

// ClientFor returns a controller-runtime client for a configuration.
func (s *Sandbox) ClientFor(t testing.TB, cfg *rest.Config) client.Client {
	t.Helper()
	c, err := client.New(cfg, client.Options{Scheme: Scheme})
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	return c
}

// WaitClusterReady waits until the Cluster's Ready condition has the wanted status.
func (s *Sandbox) WaitClusterReady(ctx context.Context, t testing.TB, name string, want metav1.ConditionStatus, timeout time.Duration) {
	t.Helper()
	c := s.Karmada(t)
	WaitFor(ctx, t, timeout, fmt.Sprintf("cluster %s Ready=%s", name, want), func(ctx context.Context) (bool, string, error) {
		var cluster clusterv1alpha1.Cluster
		if err := c.Get(ctx, client.ObjectKey{Name: name}, &cluster); err != nil {
			return false, "", err
		}
		cond := meta.FindStatusCondition(cluster.Status.Conditions, clusterv1alpha1.ClusterConditionReady)
		if cond == nil {
			return false, "no Ready condition", nil
		}
		return cond.Status == want, fmt.Sprintf("Ready=%s (%s: %s)", cond.Status, cond.Reason, cond.Message), nil
	})
}
