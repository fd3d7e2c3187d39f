package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha2"
	"github.com/fleetplane/fleetplane/test/e2e/framework"
)

// A test that keeps a controller-runtime client for more than 30 seconds without a
// logger set gets a stack trace printed; the clients' logs are not wanted here.
// The placement tests apply a Deployment and a PropagationPolicy to the control
// plane and check where the Deployment lands by reading the members.

func TestPlacementDuplicatedToEveryCluster(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	ns := fleetNamespace(ctx, t, sb, "e2e-dup")
	createObject(ctx, t, sb.Karmada(t), propagationPolicy(ns, "dup", deploymentSelector("web"), duplicated(nil)))
	createDeployment(ctx, t, sb, framework.Deployment(ns, "web", 3))
	waitReplicas(ctx, t, sb, ns, "web", map[string]int32{framework.Member1: 3, framework.Member2: 3, framework.Member3: 3})
}

func TestPlacementClusterAffinityByLabel(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	key := "e2e.fleetplane.io/" + framework.RandomName("pick")
	labelCluster(ctx, t, sb, framework.Member3, key, "yes")
	ns := fleetNamespace(ctx, t, sb, "e2e-bylabel")
	createObject(ctx, t, sb.Karmada(t), propagationPolicy(ns, "bylabel", deploymentSelector("web"), duplicated(&policyv1alpha1.ClusterAffinity{
		LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{key: "yes"}},
	})))
	createDeployment(ctx, t, sb, framework.Deployment(ns, "web", 2))
	waitReplicas(ctx, t, sb, ns, "web", map[string]int32{framework.Member1: -1, framework.Member2: -1, framework.Member3: 2})
}

func TestPlacementClusterAffinityByField(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	ns := fleetNamespace(ctx, t, sb, "e2e-byfield")
	tests := []struct {
		name     string
		selector corev1.NodeSelectorRequirement
		want     map[string]int32
	}{
		{
			name:     "region in us-east-1",
			selector: corev1.NodeSelectorRequirement{Key: "region", Operator: corev1.NodeSelectorOpIn, Values: []string{"us-east-1"}},
			want:     map[string]int32{framework.Member1: 1, framework.Member2: 1, framework.Member3: -1},
		},
		{
			name:     "provider not in aws",
			selector: corev1.NodeSelectorRequirement{Key: "provider", Operator: corev1.NodeSelectorOpNotIn, Values: []string{"aws"}},
			want:     map[string]int32{framework.Member1: -1, framework.Member2: -1, framework.Member3: 1},
		},
	}
	karmada := sb.Karmada(t)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := fmt.Sprintf("web%d", i)
			createObject(ctx, t, karmada, propagationPolicy(ns, name, deploymentSelector(name), duplicated(&policyv1alpha1.ClusterAffinity{
				FieldSelector: &policyv1alpha1.FieldSelector{MatchExpressions: []corev1.NodeSelectorRequirement{tt.selector}},
			})))
			createDeployment(ctx, t, sb, framework.Deployment(ns, name, 1))
			waitReplicas(ctx, t, sb, ns, name, tt.want)
		})
	}
}

func TestPlacementExcludeClusters(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	ns := fleetNamespace(ctx, t, sb, "e2e-exclude")
	createObject(ctx, t, sb.Karmada(t), propagationPolicy(ns, "exclude", deploymentSelector("web"), duplicated(&policyv1alpha1.ClusterAffinity{
		ExcludeClusters: []string{framework.Member2},
	})))
	createDeployment(ctx, t, sb, framework.Deployment(ns, "web", 1))
	waitReplicas(ctx, t, sb, ns, "web", map[string]int32{framework.Member1: 1, framework.Member2: -1, framework.Member3: 1})
}

// TestPlacementClusterAffinitiesFallback names a cluster that does not exist in the
// first affinity term: the scheduler falls back to the second and records its name.
func TestPlacementClusterAffinitiesFallback(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	ns := fleetNamespace(ctx, t, sb, "e2e-fallback")
	karmada := sb.Karmada(t)
	createObject(ctx, t, karmada, &policyv1alpha1.PropagationPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "fallback"},
		Spec: policyv1alpha1.PropagationSpec{
			ResourceSelectors: []policyv1alpha1.ResourceSelector{deploymentSelector("web")},
			Placement: policyv1alpha1.Placement{
				ClusterAffinities: []policyv1alpha1.ClusterAffinityTerm{
					{AffinityName: "primary", ClusterAffinity: policyv1alpha1.ClusterAffinity{ClusterNames: []string{"no-such-cluster"}}},
					{AffinityName: "backup", ClusterAffinity: policyv1alpha1.ClusterAffinity{ClusterNames: []string{framework.Member1}}},
				},
				ReplicaScheduling: &policyv1alpha1.ReplicaSchedulingStrategy{ReplicaSchedulingType: policyv1alpha1.ReplicaSchedulingTypeDuplicated},
			},
		},
	})
	createDeployment(ctx, t, sb, framework.Deployment(ns, "web", 2))
	waitReplicas(ctx, t, sb, ns, "web", map[string]int32{framework.Member1: 2, framework.Member2: -1, framework.Member3: -1})
	waitAffinityName(ctx, t, karmada, ns, "web-deployment", "backup")
}

// TestPlacementTaintsAndTolerations taints member2 NoSchedule: a new workload that
// does not tolerate the taint avoids it, one that tolerates it may go there, and an
// affinity term naming only member2 falls back to the next term.
func TestPlacementTaintsAndTolerations(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	key := framework.RandomName("e2e-dedicated")
	taintCluster(ctx, t, sb, framework.Member2, key, "batch", corev1.TaintEffectNoSchedule)
	ns := fleetNamespace(ctx, t, sb, "e2e-taints")
	karmada := sb.Karmada(t)

	t.Run("untolerated taint keeps new workloads off", func(t *testing.T) {
		createObject(ctx, t, karmada, propagationPolicy(ns, "avoid", deploymentSelector("avoid"), duplicated(&policyv1alpha1.ClusterAffinity{
			ClusterNames: []string{framework.Member1, framework.Member2},
		})))
		createDeployment(ctx, t, sb, framework.Deployment(ns, "avoid", 1))
		waitReplicas(ctx, t, sb, ns, "avoid", map[string]int32{framework.Member1: 1, framework.Member2: -1, framework.Member3: -1})
	})
	t.Run("toleration lets a workload in", func(t *testing.T) {
		p := duplicated(&policyv1alpha1.ClusterAffinity{ClusterNames: []string{framework.Member2}})
		p.ClusterTolerations = []corev1.Toleration{{Key: key, Operator: corev1.TolerationOpEqual, Value: "batch", Effect: corev1.TaintEffectNoSchedule}}
		createObject(ctx, t, karmada, propagationPolicy(ns, "tolerate", deploymentSelector("tolerate"), p))
		createDeployment(ctx, t, sb, framework.Deployment(ns, "tolerate", 1))
		waitReplicas(ctx, t, sb, ns, "tolerate", map[string]int32{framework.Member1: -1, framework.Member2: 1, framework.Member3: -1})
	})
	t.Run("affinity term of a tainted cluster falls back", func(t *testing.T) {
		createObject(ctx, t, karmada, &policyv1alpha1.PropagationPolicy{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "fallback"},
			Spec: policyv1alpha1.PropagationSpec{
				ResourceSelectors: []policyv1alpha1.ResourceSelector{deploymentSelector("fallback")},
				Placement: policyv1alpha1.Placement{ClusterAffinities: []policyv1alpha1.ClusterAffinityTerm{
					{AffinityName: "tainted", ClusterAffinity: policyv1alpha1.ClusterAffinity{ClusterNames: []string{framework.Member2}}},
					{AffinityName: "spare", ClusterAffinity: policyv1alpha1.ClusterAffinity{ClusterNames: []string{framework.Member1}}},
				}},
			},
		})
		createDeployment(ctx, t, sb, framework.Deployment(ns, "fallback", 1))
		waitReplicas(ctx, t, sb, ns, "fallback", map[string]int32{framework.Member1: 1, framework.Member2: -1, framework.Member3: -1})
		waitAffinityName(ctx, t, karmada, ns, "fallback-deployment", "spare")
	})
}

func TestPlacementSpreadByRegion(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	ns := fleetNamespace(ctx, t, sb, "e2e-region")
	createObject(ctx, t, sb.Karmada(t), propagationPolicy(ns, "region", deploymentSelector("web"), divided(
		policyv1alpha1.SpreadConstraint{SpreadByField: policyv1alpha1.SpreadByFieldCluster, MinGroups: 1},
		policyv1alpha1.SpreadConstraint{SpreadByField: policyv1alpha1.SpreadByFieldRegion, MinGroups: 1, MaxGroups: 1},
	)))
	createDeployment(ctx, t, sb, framework.Deployment(ns, "web", 4))
	got := waitSpread(ctx, t, sb, ns, "web", 4)
	if regions := groupsOf(got, func(m string) string { return memberTopology[m].region }); len(regions) != 1 {
		t.Fatalf("replicas %v span regions %v, want one region", got, regions)
	}
}

func TestPlacementSpreadByZone(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	ns := fleetNamespace(ctx, t, sb, "e2e-zone")
	createObject(ctx, t, sb.Karmada(t), propagationPolicy(ns, "zone", deploymentSelector("web"), divided(
		policyv1alpha1.SpreadConstraint{SpreadByField: policyv1alpha1.SpreadByFieldCluster, MinGroups: 2, MaxGroups: 2},
		policyv1alpha1.SpreadConstraint{SpreadByField: policyv1alpha1.SpreadByFieldZone, MinGroups: 2, MaxGroups: 2},
	)))
	createDeployment(ctx, t, sb, framework.Deployment(ns, "web", 4))
	got := waitSpread(ctx, t, sb, ns, "web", 4)
	if zones := groupsOf(got, func(m string) string { return memberTopology[m].zone }); len(zones) != 2 {
		t.Fatalf("replicas %v span zones %v, want two zones", got, zones)
	}
}

// TestPlacementUnsatisfiableSpread asks for three regions where there are two: the
// binding is Scheduled=False, says why, and nothing reaches the members.
func TestPlacementUnsatisfiableSpread(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	ns := fleetNamespace(ctx, t, sb, "e2e-nospread")
	karmada := sb.Karmada(t)
	createObject(ctx, t, karmada, propagationPolicy(ns, "three-regions", deploymentSelector("web"), divided(
		policyv1alpha1.SpreadConstraint{SpreadByField: policyv1alpha1.SpreadByFieldCluster, MinGroups: 1},
		policyv1alpha1.SpreadConstraint{SpreadByField: policyv1alpha1.SpreadByFieldRegion, MinGroups: 3, MaxGroups: 3},
	)))
	createDeployment(ctx, t, sb, framework.Deployment(ns, "web", 3))
	cond := waitScheduledCondition(ctx, t, karmada, ns, "web-deployment", metav1.ConditionFalse)
	if cond.Reason != workv1alpha2.BindingReasonNoClusterFit || !strings.Contains(cond.Message, "clusters") {
		t.Errorf("Scheduled condition = %s: %q, want NoClusterFit with a message about the clusters", cond.Reason, cond.Message)
	}
	if got := replicasOn(ctx, t, sb, ns, "web"); fmt.Sprint(got) != fmt.Sprint(map[string]int32{framework.Member1: -1, framework.Member2: -1, framework.Member3: -1}) {
		t.Errorf("an unschedulable workload reached the members: %v", got)
	}
}

// TestPlacementDynamicWeights divides 12 replicas by available replicas: member2,
// with the most allocatable CPU, gets the most.
func TestPlacementDynamicWeights(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	ns := fleetNamespace(ctx, t, sb, "e2e-dynamic")
	p := policyv1alpha1.Placement{ReplicaScheduling: &policyv1alpha1.ReplicaSchedulingStrategy{
		ReplicaSchedulingType:     policyv1alpha1.ReplicaSchedulingTypeDivided,
		ReplicaDivisionPreference: policyv1alpha1.ReplicaDivisionPreferenceWeighted,
		WeightPreference:          &policyv1alpha1.ClusterPreferences{DynamicWeight: policyv1alpha1.DynamicWeightByAvailableReplicas},
	}}
	createObject(ctx, t, sb.Karmada(t), propagationPolicy(ns, "dynamic", deploymentSelector("web"), p))
	createDeployment(ctx, t, sb, framework.Deployment(ns, "web", 12))
	got := waitSpread(ctx, t, sb, ns, "web", 12)
	t.Logf("12 replicas by available replicas: %v", got)
	m1, m2, m3 := max(got[framework.Member1], 0), max(got[framework.Member2], 0), max(got[framework.Member3], 0)
	if !(m2 > m1 && m1 >= m3) {
		t.Errorf("replicas %v, want member2 > member1 >= member3 (allocatable CPU 16 > 12 > 8)", got)
	}
}

// TestPlacementAggregated packs a few replicas into a single cluster.
func TestPlacementAggregated(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	ns := fleetNamespace(ctx, t, sb, "e2e-aggregated")
	p := policyv1alpha1.Placement{ReplicaScheduling: &policyv1alpha1.ReplicaSchedulingStrategy{
		ReplicaSchedulingType:     policyv1alpha1.ReplicaSchedulingTypeDivided,
		ReplicaDivisionPreference: policyv1alpha1.ReplicaDivisionPreferenceAggregated,
	}}
	createObject(ctx, t, sb.Karmada(t), propagationPolicy(ns, "aggregated", deploymentSelector("web"), p))
	createDeployment(ctx, t, sb, framework.Deployment(ns, "web", 3))
	got := waitSpread(ctx, t, sb, ns, "web", 3)
	if holders := groupsOf(got, func(m string) string { return m }); len(holders) != 1 {
		t.Fatalf("replicas %v, want all 3 in a single cluster", got)
	}
}

// duplicated places every replica on each cluster the affinity selects (nil: all).
func duplicated(affinity *policyv1alpha1.ClusterAffinity) policyv1alpha1.Placement {
	return policyv1alpha1.Placement{
		ClusterAffinity:   affinity,
		ReplicaScheduling: &policyv1alpha1.ReplicaSchedulingStrategy{ReplicaSchedulingType: policyv1alpha1.ReplicaSchedulingTypeDuplicated},
	}
}

// divided splits the replicas equally over the clusters the spread constraints pick.
func divided(spread ...policyv1alpha1.SpreadConstraint) policyv1alpha1.Placement {
	return policyv1alpha1.Placement{
		SpreadConstraints: spread,
		ReplicaScheduling: &policyv1alpha1.ReplicaSchedulingStrategy{
			ReplicaSchedulingType:     policyv1alpha1.ReplicaSchedulingTypeDivided,
			ReplicaDivisionPreference: policyv1alpha1.ReplicaDivisionPreferenceWeighted,
		},
	}
}

// waitSpread waits until the members' copies of a Deployment add up to total and
// returns the replicas on each member (-1 where there is none).
func waitSpread(ctx context.Context, t *testing.T, sb *framework.Sandbox, ns, name string, total int32) map[string]int32 {
	t.Helper()
	var got map[string]int32
	framework.WaitFor(ctx, t, 60*time.Second, fmt.Sprintf("deployment %s/%s divided into %d replicas", ns, name, total), func(ctx context.Context) (bool, string, error) {
		got = replicasOn(ctx, t, sb, ns, name)
		var sum int32
		for _, n := range got {
			if n < -1 {
				return false, fmt.Sprint(got), nil
			}
			sum += max(n, 0)
		}
		return sum == total, fmt.Sprint(got), nil
	})
	return got
}

// groupsOf returns the sorted groups (by key) of the members holding replicas.
func groupsOf(replicas map[string]int32, key func(member string) string) []string {
	var groups []string
	for m, n := range replicas {
		if n > 0 && !slices.Contains(groups, key(m)) {
			groups = append(groups, key(m))
		}
	}
	slices.Sort(groups)
	return groups
}

// fleetNamespace creates a namespace on the control plane for a test. When the test
// ends, it is deleted there first, so that its Works take what they propagated with
// them, then on every member, where the namespace itself and anything preserved or
// created directly are left.
func fleetNamespace(ctx context.Context, t *testing.T, sb *framework.Sandbox, prefix string) string {
	t.Helper()
	cp := sb.Client(t, framework.ControlPlane)
	ns := framework.CreateNamespace(ctx, t, cp, prefix)
	members := map[string]interface {
		Delete(context.Context, string, metav1.DeleteOptions) error
	}{}
	for _, m := range framework.Members {
		members[m] = sb.Client(t, m).CoreV1().Namespaces()
	}
	t.Cleanup(func() {
		ctx := context.Background()
		if err := cp.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			t.Logf("deleting namespace %s: %v", ns, err)
		}
		err := framework.Poll(ctx, 90*time.Second, func(ctx context.Context) (bool, string, error) {
			_, err := cp.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
			return apierrors.IsNotFound(err), "namespace still there", nil
		})
		if err != nil {
			t.Logf("namespace %s is not gone from the control plane: %v", ns, err)
		}
		for _, m := range slices.Sorted(maps.Keys(members)) {
			if err := members[m].Delete(ctx, ns, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
				t.Logf("deleting namespace %s on %s: %v", ns, m, err)
			}
		}
	})
	return ns
}

// createObject creates an object on the control plane. Cluster-scoped ones (such as
// ClusterPropagationPolicies) are deleted when the test ends; namespaced ones go
// with their namespace.
func createObject(ctx context.Context, t *testing.T, c client.Client, obj client.Object) {
	t.Helper()
	if err := c.Create(ctx, obj); err != nil {
		t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
	}
	if obj.GetNamespace() == "" {
		t.Cleanup(func() {
			if err := c.Delete(context.Background(), obj); err != nil && !apierrors.IsNotFound(err) {
				t.Logf("deleting %T %s: %v", obj, obj.GetName(), err)
			}
		})
	}
}

func createDeployment(ctx context.Context, t *testing.T, sb *framework.Sandbox, d *appsv1.Deployment) {
	t.Helper()
	if _, err := sb.Client(t, framework.ControlPlane).AppsV1().Deployments(d.Namespace).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating deployment %s/%s: %v", d.Namespace, d.Name, err)
	}
}

// labelCluster sets a label on a Cluster and removes it when the test ends. Merge
// patches leave the other labels alone.
func labelCluster(ctx context.Context, t *testing.T, sb *framework.Sandbox, cluster, key, value string) {
	t.Helper()
	c := sb.Karmada(t)
	patch := func(ctx context.Context, v any) error {
		body, err := json.Marshal(map[string]any{"metadata": map[string]any{"labels": map[string]any{key: v}}})
		if err != nil {
			return err
		}
		obj := &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: cluster}}
		return c.Patch(ctx, obj, client.RawPatch(types.MergePatchType, body))
	}
	if err := patch(ctx, value); err != nil {
		t.Fatalf("labelling cluster %s: %v", cluster, err)
	}
	t.Cleanup(func() {
		if err := patch(context.Background(), nil); err != nil {
			t.Errorf("removing label %s from cluster %s: %v", key, cluster, err)
		}
	})
}

// taintCluster taints a Cluster with kubectl karmada taint and removes the taint
// when the test ends.
func taintCluster(ctx context.Context, t *testing.T, sb *framework.Sandbox, cluster, key, value string, effect corev1.TaintEffect) {
	t.Helper()
	if out, err := sb.Plugin(ctx, "taint", cluster, fmt.Sprintf("%s=%s:%s", key, value, effect)); err != nil {
		t.Fatalf("tainting %s: %v\n%s", cluster, err, out)
	}
	t.Cleanup(func() {
		if out, err := sb.Plugin(context.Background(), "taint", cluster, fmt.Sprintf("%s:%s-", key, effect)); err != nil {
			t.Errorf("removing taint %s from %s: %v\n%s", key, cluster, err, out)
		}
	})
}

// waitScheduledCondition waits for the binding's Scheduled condition to have the
// wanted status, and returns it.
func waitScheduledCondition(ctx context.Context, t *testing.T, c client.Client, ns, name string, want metav1.ConditionStatus) metav1.Condition {
	t.Helper()
	var got metav1.Condition
	framework.WaitFor(ctx, t, 30*time.Second, fmt.Sprintf("binding %s/%s Scheduled=%s", ns, name, want), func(ctx context.Context) (bool, string, error) {
		var rb workv1alpha2.ResourceBinding
		if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &rb); err != nil {
			return false, "", err
		}
		cond := meta.FindStatusCondition(rb.Status.Conditions, workv1alpha2.Scheduled)
		if cond == nil {
			return false, "no Scheduled condition", nil
		}
		got = *cond
		return cond.Status == want, fmt.Sprintf("%s %s: %s", cond.Status, cond.Reason, cond.Message), nil
	})
	return got
}

// waitAffinityName waits for the binding to report the affinity term it was
// scheduled with.
func waitAffinityName(ctx context.Context, t *testing.T, c client.Client, ns, name, want string) {
	t.Helper()
	framework.WaitFor(ctx, t, 30*time.Second, fmt.Sprintf("binding %s/%s scheduled with affinity %q", ns, name, want), func(ctx context.Context) (bool, string, error) {
		var rb workv1alpha2.ResourceBinding
		if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &rb); err != nil {
			return false, "", err
		}
		return rb.Status.SchedulerObservedAffinityName == want, fmt.Sprintf("schedulerObservingAffinityName=%q", rb.Status.SchedulerObservedAffinityName), nil
	})
}
