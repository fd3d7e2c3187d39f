package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha2"
	"github.com/fleetplane/fleetplane/test/e2e/framework"
)

// samplesDir is Karmada's samples folder beside the repository.
func samplesDir(t *testing.T) string {
	dir := os.Getenv("KARMADA_API_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "karmada-api")
	}
	dir = filepath.Join(dir, "samples")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("Karmada samples not found at %s", dir)
	}
	return dir
}

// replicasOn returns the spec.replicas of a Deployment on each member (-1 if absent).
func replicasOn(ctx context.Context, t *testing.T, sb *framework.Sandbox, ns, name string) map[string]int32 {
	out := map[string]int32{}
	for _, m := range framework.Members {
		d, err := sb.Client(t, m).AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			out[m] = -1
		case err != nil:
			out[m] = -2
		default:
			out[m] = ptr.Deref(d.Spec.Replicas, 1)
		}
	}
	return out
}

func waitReplicas(ctx context.Context, t *testing.T, sb *framework.Sandbox, ns, name string, want map[string]int32) {
	t.Helper()
	framework.WaitFor(ctx, t, 60*time.Second, fmt.Sprintf("deployment %s/%s replicas %v", ns, name, want), func(ctx context.Context) (bool, string, error) {
		got := replicasOn(ctx, t, sb, ns, name)
		return fmt.Sprint(got) == fmt.Sprint(want), fmt.Sprint(got), nil
	})
}

// TestNginxSampleVerbatim applies Karmada's nginx sample unchanged: the Deployment is
// split 1:1 over member1 and member2, each member's copy carries its overrides, and
// the template shows the aggregated status.
func TestNginxSampleVerbatim(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	dir := filepath.Join(samplesDir(t), "nginx")
	ns := framework.CreateNamespace(ctx, t, sb.Client(t, framework.ControlPlane), "e2e-nginx")
	for _, f := range []string{"deployment.yaml", "propagationpolicy.yaml", "overridepolicy.yaml"} {
		if _, err := sb.Kubectl(ctx, framework.ControlPlane, "apply", "-n", ns, "-f", filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	waitReplicas(ctx, t, sb, ns, "nginx", map[string]int32{framework.Member1: 1, framework.Member2: 1, framework.Member3: -1})

	// The OverridePolicy came last, so the members' copies change once more.
	framework.WaitFor(ctx, t, 30*time.Second, "member overrides", func(ctx context.Context) (bool, string, error) {
		m2, err := sb.Client(t, framework.Member2).AppsV1().Deployments(ns).Get(ctx, "nginx", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		m1, err := sb.Client(t, framework.Member1).AppsV1().Deployments(ns).Get(ctx, "nginx", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		ok := m2.Labels["env"] == "skoala-dev" && m2.Labels["env-stat"] == "skoala-stage" && m1.Annotations["env"] == "skoala-stage"
		return ok, fmt.Sprintf("member2 labels %v, member1 annotations %v", m2.Labels, m1.Annotations), nil
	})

	cp := sb.Client(t, framework.ControlPlane)
	framework.WaitFor(ctx, t, 90*time.Second, "aggregated status on the template", func(ctx context.Context) (bool, string, error) {
		d, err := cp.AppsV1().Deployments(ns).Get(ctx, "nginx", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		s := d.Status
		return s.ReadyReplicas == 2 && s.AvailableReplicas == 2 && s.ObservedGeneration == d.Generation,
			fmt.Sprintf("%+v", s), nil
	})
	out, err := sb.Kubectl(ctx, framework.ControlPlane, "get", "deployment", "nginx", "-n", ns)
	if err != nil || !strings.Contains(out, "2/2") {
		t.Fatalf("kubectl get deploy on the control plane = %q, %v; want READY 2/2", out, err)
	}

	var rb workv1alpha2.ResourceBinding
	if err := sb.Karmada(t).Get(ctx, client.ObjectKey{Namespace: ns, Name: "nginx-deployment"}, &rb); err != nil {
		t.Fatal(err)
	}
	if !meta.IsStatusConditionTrue(rb.Status.Conditions, workv1alpha2.Scheduled) || len(rb.Status.AggregatedStatus) != 2 {
		t.Errorf("binding status = %+v", rb.Status)
	}

	// Deleting the template deletes what it propagated.
	if err := cp.AppsV1().Deployments(ns).Delete(ctx, "nginx", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitReplicas(ctx, t, sb, ns, "nginx", map[string]int32{framework.Member1: -1, framework.Member2: -1, framework.Member3: -1})
}

func propagationPolicy(ns, name string, selector policyv1alpha1.ResourceSelector, placement policyv1alpha1.Placement) *policyv1alpha1.PropagationPolicy {
	return &policyv1alpha1.PropagationPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       policyv1alpha1.PropagationSpec{ResourceSelectors: []policyv1alpha1.ResourceSelector{selector}, Placement: placement},
	}
}

func deploymentSelector(name string) policyv1alpha1.ResourceSelector {
	return policyv1alpha1.ResourceSelector{APIVersion: "apps/v1", Kind: "Deployment", Name: name}
}

// TestStaticWeightsAndSteadyScaling splits 9 replicas 1:2, then scales to 12 and 4
// without moving replicas that need not move.
func TestStaticWeightsAndSteadyScaling(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	cp := sb.Client(t, framework.ControlPlane)
	ns := framework.CreateNamespace(ctx, t, cp, "e2e-weights")
	pp := propagationPolicy(ns, "weights", deploymentSelector("web"), policyv1alpha1.Placement{
		ClusterAffinity: &policyv1alpha1.ClusterAffinity{ClusterNames: []string{framework.Member1, framework.Member2}},
		ReplicaScheduling: &policyv1alpha1.ReplicaSchedulingStrategy{
			ReplicaSchedulingType:     policyv1alpha1.ReplicaSchedulingTypeDivided,
			ReplicaDivisionPreference: policyv1alpha1.ReplicaDivisionPreferenceWeighted,
			WeightPreference: &policyv1alpha1.ClusterPreferences{StaticWeightList: []policyv1alpha1.StaticClusterWeight{
				{TargetCluster: policyv1alpha1.ClusterAffinity{ClusterNames: []string{framework.Member1}}, Weight: 1},
				{TargetCluster: policyv1alpha1.ClusterAffinity{ClusterNames: []string{framework.Member2}}, Weight: 2},
			}},
		},
	})
	if err := sb.Karmada(t).Create(ctx, pp); err != nil {
		t.Fatal(err)
	}
	if _, err := cp.AppsV1().Deployments(ns).Create(ctx, framework.Deployment(ns, "web", 9), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitReplicas(ctx, t, sb, ns, "web", map[string]int32{framework.Member1: 3, framework.Member2: 6, framework.Member3: -1})
	for _, step := range []struct {
		replicas int32
		want     map[string]int32
	}{
		{12, map[string]int32{framework.Member1: 4, framework.Member2: 8, framework.Member3: -1}},
		{4, map[string]int32{framework.Member1: 1, framework.Member2: 3, framework.Member3: -1}},
	} {
		scale(ctx, t, cp.AppsV1().Deployments(ns), "web", step.replicas)
		waitReplicas(ctx, t, sb, ns, "web", step.want)
	}
}

func scale(ctx context.Context, t *testing.T, c interface {
	Get(context.Context, string, metav1.GetOptions) (*appsv1.Deployment, error)
	Update(context.Context, *appsv1.Deployment, metav1.UpdateOptions) (*appsv1.Deployment, error)
}, name string, replicas int32) {
	t.Helper()
	// The controllers write the template's status meanwhile: retry on conflicts, as
	// any client of a live object must.
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		d, err := c.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		d.Spec.Replicas = ptr.To(replicas)
		_, err = c.Update(ctx, d, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestUnsatisfiablePlacementReportsWhy names a cluster that does not exist: the
// binding is Scheduled=False with the reason, not an error loop.
func TestUnsatisfiablePlacementReportsWhy(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	cp := sb.Client(t, framework.ControlPlane)
	ns := framework.CreateNamespace(ctx, t, cp, "e2e-nofit")
	pp := propagationPolicy(ns, "nowhere", deploymentSelector("web"), policyv1alpha1.Placement{
		ClusterAffinity: &policyv1alpha1.ClusterAffinity{ClusterNames: []string{"no-such-cluster"}},
	})
	if err := sb.Karmada(t).Create(ctx, pp); err != nil {
		t.Fatal(err)
	}
	if _, err := cp.AppsV1().Deployments(ns).Create(ctx, framework.Deployment(ns, "web", 1), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	framework.WaitFor(ctx, t, 30*time.Second, "Scheduled=False", func(ctx context.Context) (bool, string, error) {
		var rb workv1alpha2.ResourceBinding
		if err := sb.Karmada(t).Get(ctx, client.ObjectKey{Namespace: ns, Name: "web-deployment"}, &rb); err != nil {
			return false, "", err
		}
		c := meta.FindStatusCondition(rb.Status.Conditions, workv1alpha2.Scheduled)
		if c == nil {
			return false, "no Scheduled condition", nil
		}
		return c.Status == metav1.ConditionFalse && strings.Contains(c.Message, "0/3 clusters are available"), c.Message, nil
	})
}

// TestInvalidPoliciesRejectedWithFieldPaths sends policies Karmada's webhook would
// refuse; the CRD schema refuses them with the field path.
func TestInvalidPoliciesRejectedWithFieldPaths(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	tests := []struct {
		name     string
		manifest string
		wantPath string
	}{
		{name: "negative weight", wantPath: "weight", manifest: `apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: bad-weight, namespace: default}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
  placement:
    replicaScheduling:
      replicaSchedulingType: Divided
      replicaDivisionPreference: Weighted
      weightPreference:
        staticWeightList: [{targetCluster: {clusterNames: [member1]}, weight: -1}]
`},
		{name: "unknown overrider field", wantPath: "unknown field", manifest: `apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata: {name: bad-overrider, namespace: default}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
  overrideRules:
  - overriders:
      imageOverrider: [{component: Registry, operator: replace, value: x, colour: red}]
`},
		{name: "bad label selector", wantPath: "matchExpressions", manifest: `apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: bad-selector, namespace: default}
spec:
  resourceSelectors:
  - apiVersion: apps/v1
    kind: Deployment
    labelSelector: {matchExpressions: [{key: app, operator: Sometimes}]}
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "p.yaml")
			writeFile(t, f, tt.manifest)
			_, err := sb.Kubectl(ctx, framework.ControlPlane, "apply", "--validate=strict", "-f", f)
			if err == nil {
				_, _ = sb.Kubectl(ctx, framework.ControlPlane, "delete", "-f", f)
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tt.wantPath) {
				t.Fatalf("error %v does not name %s", err, tt.wantPath)
			}
		})
	}
}
