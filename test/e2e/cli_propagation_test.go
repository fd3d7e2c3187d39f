package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/federate/naming"
	"github.com/fleetplane/fleetplane/test/e2e/framework"
)

// cliWait bounds the waits of these tests: the controllers may be busy with
// other tests sharing the sandbox.
const cliWait = 2 * time.Minute

// cliNamespace creates a namespace with a random name on the given context. When
// the test ends it deletes it on the control plane first, so that propagation
// stops, then in every member.
func cliNamespace(ctx context.Context, t *testing.T, sb *framework.Sandbox, on, prefix string) string {
	t.Helper()
	name := framework.RandomName(prefix)
	t.Cleanup(func() {
		for _, m := range framework.Members {
			deleteNamespace(t, sb.Client(t, m), name)
		}
	})
	t.Cleanup(func() { deleteNamespace(t, sb.Client(t, framework.ControlPlane), name) })
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := sb.Client(t, on).CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating namespace %s on %s: %v", name, on, err)
	}
	return name
}

func deleteNamespace(t *testing.T, c kubernetes.Interface, name string) {
	err := c.CoreV1().Namespaces().Delete(context.Background(), name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		t.Logf("deleting namespace %s: %v", name, err)
	}
}

// lightDeployment is framework.Deployment without resource requests, so that its
// pods and its scheduling do not depend on spare capacity in a shared sandbox.
func lightDeployment(ns, name string, replicas int32) *appsv1.Deployment {
	d := framework.Deployment(ns, name, replicas)
	d.Spec.Template.Spec.Containers[0].Resources = corev1.ResourceRequirements{}
	return d
}

// memberReplicas returns spec.replicas of a Deployment in each member; -1 when absent.
func memberReplicas(ctx context.Context, t *testing.T, sb *framework.Sandbox, ns, name string) map[string]int32 {
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

func waitMemberReplicas(ctx context.Context, t *testing.T, sb *framework.Sandbox, ns, name string, want map[string]int32) {
	t.Helper()
	framework.WaitFor(ctx, t, cliWait, fmt.Sprintf("deployment %s/%s replicas %v", ns, name, want), func(ctx context.Context) (bool, string, error) {
		got := memberReplicas(ctx, t, sb, ns, name)
		return fmt.Sprint(got) == fmt.Sprint(want), fmt.Sprint(got), nil
	})
}

// waitReady waits until a Deployment has all its replicas ready.
func waitReady(ctx context.Context, t *testing.T, c kubernetes.Interface, where, ns, name string) *appsv1.Deployment {
	t.Helper()
	var d *appsv1.Deployment
	framework.WaitFor(ctx, t, cliWait, fmt.Sprintf("deployment %s/%s ready on %s", ns, name, where), func(ctx context.Context) (bool, string, error) {
		var err error
		if d, err = c.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{}); err != nil {
			return false, "", err
		}
		want := ptr.Deref(d.Spec.Replicas, 1)
		return d.Status.ReadyReplicas == want && d.Status.ObservedGeneration == d.Generation, fmt.Sprintf("%+v", d.Status), nil
	})
	return d
}

// podUIDs lists the UIDs of a Deployment's pods (label app=name), sorted.
func podUIDs(ctx context.Context, t *testing.T, c kubernetes.Interface, ns, name string) []types.UID {
	t.Helper()
	pods, err := c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=" + name})
	if err != nil {
		t.Fatal(err)
	}
	var out []types.UID
	for _, p := range pods.Items {
		out = append(out, p.UID)
	}
	slices.Sort(out)
	return out
}

// waitAdopted waits until the execution controller has taken a member object over:
// it carries the labels that tie it to a Work.
func waitAdopted(ctx context.Context, t *testing.T, sb *framework.Sandbox, member string, obj client.Object) {
	t.Helper()
	c := sb.ClientFor(t, sb.RESTConfig(t, member))
	framework.WaitFor(ctx, t, cliWait, fmt.Sprintf("%T %s adopted on %s", obj, obj.GetName(), member), func(ctx context.Context) (bool, string, error) {
		if err := c.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
			return false, "", err
		}
		return obj.GetLabels()[naming.WorkNameLabel] != "", fmt.Sprint(obj.GetLabels()), nil
	})
}

// TestCLIPropagateDividedByWeights propagates a Deployment with propagate, splits
// it 1:2, and updates the policy by running the command again.
func TestCLIPropagateDividedByWeights(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	cp := sb.Client(t, framework.ControlPlane)
	ns := cliNamespace(ctx, t, sb, framework.ControlPlane, "e2e-cli-propagate")
	if _, err := cp.AppsV1().Deployments(ns).Create(ctx, lightDeployment(ns, "web", 9), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	divided := []string{"propagate", "deployment/web", "-n", ns, "-C", "member1,member2", "--divided", "--weights", "member1=1,member2=2"}
	out, err := sb.Plugin(ctx, divided...)
	if err != nil {
		t.Fatal(err)
	}
	if want := "propagationpolicy.policy.karmada.io/web-deployment created\n"; out != want {
		t.Errorf("propagate printed %q, want %q", out, want)
	}
	waitMemberReplicas(ctx, t, sb, ns, "web", map[string]int32{framework.Member1: 3, framework.Member2: 6, framework.Member3: -1})

	var pp policyv1alpha1.PropagationPolicy
	if err := sb.Karmada(t).Get(ctx, client.ObjectKey{Namespace: ns, Name: "web-deployment"}, &pp); err != nil {
		t.Fatal(err)
	}
	if got := pp.Spec.ResourceSelectors; len(got) != 1 || got[0] != (policyv1alpha1.ResourceSelector{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"}) {
		t.Errorf("resourceSelectors = %+v, want exactly apps/v1 Deployment web", got)
	}

	// The same again changes nothing.
	if out, err = sb.Plugin(ctx, divided...); err != nil || out != "propagationpolicy.policy.karmada.io/web-deployment unchanged\n" {
		t.Errorf("propagate again = %q, %v; want unchanged", out, err)
	}
	// Other flags update the policy.
	out, err = sb.Plugin(ctx, "propagate", "deployment/web", "-n", ns, "-C", "member1", "--duplicated")
	if err != nil || out != "propagationpolicy.policy.karmada.io/web-deployment configured\n" {
		t.Fatalf("propagate --duplicated = %q, %v; want configured", out, err)
	}
	waitMemberReplicas(ctx, t, sb, ns, "web", map[string]int32{framework.Member1: 9, framework.Member2: -1, framework.Member3: -1})
}

// TestCLIPropagateDryRunCreatesNothing prints the policy of a client dry run and
// checks that nothing was written.
func TestCLIPropagateDryRunCreatesNothing(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	ns := cliNamespace(ctx, t, sb, framework.ControlPlane, "e2e-cli-dryrun")
	out, err := sb.Plugin(ctx, "propagate", "deployment/web", "-n", ns, "-C", "member1,member2", "--divided", "--dry-run=client", "-o", "yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"kind: PropagationPolicy", "name: web-deployment", "namespace: " + ns,
		"replicaSchedulingType: Divided", "clusterNames:\n            - member2\n          weight: 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry-run output lacks %q:\n%s", want, out)
		}
	}
	var list policyv1alpha1.PropagationPolicyList
	if err := sb.Karmada(t).List(ctx, &list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 0 {
		t.Errorf("a client dry run created %d policies", len(list.Items))
	}

	// Flag errors come back as one line, and nothing is written either.
	_, err = sb.Plugin(ctx, "propagate", "deployment/web", "-n", ns, "-C", "member1", "--all-clusters")
	if err == nil || !strings.Contains(err.Error(), "error: -C and --all-clusters exclude each other") {
		t.Errorf("propagate -C --all-clusters error = %v", err)
	}
}

// TestCLIPropagateWithoutRights runs propagate as a user who may not write
// policies: a one-line error, and no policy.
func TestCLIPropagateWithoutRights(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	ns := cliNamespace(ctx, t, sb, framework.ControlPlane, "e2e-cli-norights")
	kubeconfig := sb.UserKubeconfig(t, framework.RandomName("e2e-cli-nobody"))
	_, err := sb.Plugin(ctx, "--kubeconfig", kubeconfig, "propagate", "deployment/web", "-n", ns, "-C", "member1")
	if err == nil || !strings.Contains(err.Error(), "forbidden") {
		t.Fatalf("propagate without rights error = %v, want forbidden", err)
	}
	if msg := err.Error(); strings.Contains(msg, "\n") {
		t.Errorf("the error is not one line: %q", msg)
	}
}

// TestCLIPromoteAdoptsInPlace promotes a Deployment created directly in member3: its
// UID and its pods stay, the control plane shows its status, and promoting again or
// under a taken policy name changes nothing.
func TestCLIPromoteAdoptsInPlace(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	m3 := sb.Client(t, framework.Member3)
	ns := cliNamespace(ctx, t, sb, framework.Member3, "e2e-cli-promote")
	if _, err := m3.AppsV1().Deployments(ns).Create(ctx, lightDeployment(ns, "web", 2), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	before := waitReady(ctx, t, m3, framework.Member3, ns, "web")
	podsBefore := podUIDs(ctx, t, m3, ns, "web")
	if len(podsBefore) != 2 {
		t.Fatalf("member3 runs %d pods of web, want 2", len(podsBefore))
	}

	out, err := sb.Plugin(ctx, "promote", "deployment/web", "-n", ns, "-C", framework.Member3)
	if err != nil {
		t.Fatal(err)
	}
	want := "namespace/" + ns + " created\n" +
		"propagationpolicy.policy.karmada.io/web-deployment created\n" +
		"deployment.apps/web promoted from member3\n"
	if out != want {
		t.Errorf("promote printed %q, want %q", out, want)
	}

	adopted := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"}}
	waitAdopted(ctx, t, sb, framework.Member3, adopted)
	cp := sb.Client(t, framework.ControlPlane)
	framework.WaitFor(ctx, t, cliWait, "aggregated status on the template", func(ctx context.Context) (bool, string, error) {
		d, err := cp.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		return d.Status.ReadyReplicas == 2 && d.Status.AvailableReplicas == 2, fmt.Sprintf("%+v", d.Status), nil
	})
	if adopted.UID != before.UID {
		t.Errorf("the Deployment in member3 was recreated: uid %s, was %s", adopted.UID, before.UID)
	}
	if got := podUIDs(ctx, t, m3, ns, "web"); !slices.Equal(got, podsBefore) {
		t.Errorf("pods in member3 = %v, were %v", got, podsBefore)
	}
	if got := memberReplicas(ctx, t, sb, ns, "web"); got[framework.Member1] != -1 || got[framework.Member2] != -1 {
		t.Errorf("the promoted Deployment went to other members: %v", got)
	}
	var pp policyv1alpha1.PropagationPolicy
	if err := sb.Karmada(t).Get(ctx, client.ObjectKey{Namespace: ns, Name: "web-deployment"}, &pp); err != nil {
		t.Fatal(err)
	}
	if pp.Spec.ConflictResolution != policyv1alpha1.ConflictOverwrite || !ptr.Deref(pp.Spec.PreserveResourcesOnDeletion, false) ||
		pp.Spec.Placement.ClusterAffinity == nil || !slices.Equal(pp.Spec.Placement.ClusterAffinity.ClusterNames, []string{framework.Member3}) {
		t.Errorf("policy spec = %+v, want member3 only, Overwrite, preserved", pp.Spec)
	}

	// Promoting again does nothing and says so.
	out, err = sb.Plugin(ctx, "promote", "deployment/web", "-n", ns, "-C", framework.Member3)
	if want := "deployment " + ns + "/web already exists on the control plane; nothing to promote\n"; err != nil || out != want {
		t.Errorf("promote again = %q, %v; want %q", out, err, want)
	}

	// A policy name taken by another policy is an error, and nothing is created.
	if _, err := m3.AppsV1().Deployments(ns).Create(ctx, lightDeployment(ns, "other", 1), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = sb.Plugin(ctx, "promote", "deployment/other", "-n", ns, "-C", framework.Member3, "--policy-name", "web-deployment")
	wantErr := "propagationpolicy " + ns + "/web-deployment already exists and selects or places other resources; choose another name with --policy-name"
	if err == nil || !strings.Contains(err.Error(), wantErr) {
		t.Errorf("promote under a taken policy name error = %v, want %q", err, wantErr)
	}
	if _, err := cp.AppsV1().Deployments(ns).Get(ctx, "other", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("deployment other on the control plane after a failed promote: %v", err)
	}

	// An unknown cluster is named as such.
	_, err = sb.Plugin(ctx, "promote", "deployment/web", "-n", ns, "-C", "no-such-cluster")
	if err == nil || !strings.Contains(err.Error(), `cluster "no-such-cluster" not found`) {
		t.Errorf("promote from an unknown cluster error = %v", err)
	}
}

// TestCLIPromoteWithDependencies promotes a Deployment with the ConfigMap its pods
// read: both become templates, the policy selects both, and both are adopted in place.
func TestCLIPromoteWithDependencies(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	m3 := sb.Client(t, framework.Member3)
	ns := cliNamespace(ctx, t, sb, framework.Member3, "e2e-cli-promote-deps")
	cm, err := m3.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "api-config"},
		Data:       map[string]string{"COLOR": "blue"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d := lightDeployment(ns, "api", 1)
	d.Spec.Template.Spec.Containers[0].EnvFrom = []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: "api-config"},
	}}}
	if _, err := m3.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	before := waitReady(ctx, t, m3, framework.Member3, ns, "api")

	out, err := sb.Plugin(ctx, "promote", "deployment/api", "-n", ns, "-C", framework.Member3, "--dependencies")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"configmap/api-config promoted from member3\n", "deployment.apps/api promoted from member3\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("promote --dependencies output lacks %q:\n%s", want, out)
		}
	}
	cpCM, err := sb.Client(t, framework.ControlPlane).CoreV1().ConfigMaps(ns).Get(ctx, "api-config", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cpCM.Data["COLOR"] != "blue" {
		t.Errorf("the ConfigMap template holds %v", cpCM.Data)
	}
	var pp policyv1alpha1.PropagationPolicy
	if err := sb.Karmada(t).Get(ctx, client.ObjectKey{Namespace: ns, Name: "api-deployment"}, &pp); err != nil {
		t.Fatal(err)
	}
	var selected []string
	for _, s := range pp.Spec.ResourceSelectors {
		selected = append(selected, s.Kind+"/"+s.Name)
	}
	if want := []string{"ConfigMap/api-config", "Deployment/api"}; !slices.Equal(selected, want) {
		t.Errorf("the policy selects %v, want %v", selected, want)
	}

	adoptedCM := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "api-config"}}
	waitAdopted(ctx, t, sb, framework.Member3, adoptedCM)
	adopted := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "api"}}
	waitAdopted(ctx, t, sb, framework.Member3, adopted)
	if adoptedCM.UID != cm.UID || adopted.UID != before.UID {
		t.Errorf("objects in member3 were recreated: configmap uid %s (was %s), deployment uid %s (was %s)",
			adoptedCM.UID, cm.UID, adopted.UID, before.UID)
	}
}
