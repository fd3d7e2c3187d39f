package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
	workv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha1"
	"github.com/fleetplane/fleetplane/test/e2e/framework"
)

// The lifecycle tests follow a template and its member copies through claiming,
// conflicts, edits made on either side, and deletion.

// TestLifecyclePropagateDeps propagates a Deployment with propagateDeps: the
// ConfigMap and Secret its pods mount follow it to its clusters, and an edit of
// the ConfigMap follows too.
func TestLifecyclePropagateDeps(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	ns := fleetNamespace(ctx, t, sb, "e2e-deps")
	cp := sb.Client(t, framework.ControlPlane)
	if _, err := cp.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web-config"}, Data: map[string]string{"mode": "blue"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cp.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web-secret"}, StringData: map[string]string{"token": "s3cr3t"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pp := propagationPolicy(ns, "web", deploymentSelector("web"),
		duplicated(&policyv1alpha1.ClusterAffinity{ClusterNames: []string{framework.Member1, framework.Member2}}))
	pp.Spec.PropagateDeps = true
	createObject(ctx, t, sb.Karmada(t), pp)
	d := framework.Deployment(ns, "web", 1)
	d.Spec.Template.Spec.Volumes = []corev1.Volume{
		{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: "web-config"}}}},
		{Name: "secret", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "web-secret"}}},
	}
	d.Spec.Template.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{
		{Name: "config", MountPath: "/etc/web"}, {Name: "secret", MountPath: "/var/run/secrets/web"},
	}
	createDeployment(ctx, t, sb, d)
	waitReplicas(ctx, t, sb, ns, "web", map[string]int32{framework.Member1: 1, framework.Member2: 1, framework.Member3: -1})

	for _, m := range []string{framework.Member1, framework.Member2} {
		waitMemberConfigMap(ctx, t, sb, m, ns, "web-config", "the template's data", func(cm *corev1.ConfigMap) bool { return cm.Data["mode"] == "blue" })
		framework.WaitFor(ctx, t, 30*time.Second, "secret web-secret on "+m, func(ctx context.Context) (bool, string, error) {
			s, err := sb.Client(t, m).CoreV1().Secrets(ns).Get(ctx, "web-secret", metav1.GetOptions{})
			if err != nil {
				return false, "", err
			}
			return string(s.Data["token"]) == "s3cr3t", fmt.Sprintf("data keys %d", len(s.Data)), nil
		})
	}
	m3 := sb.Client(t, framework.Member3)
	if _, err := m3.CoreV1().ConfigMaps(ns).Get(ctx, "web-config", metav1.GetOptions{}); memberHas(t, err) {
		t.Error("the ConfigMap reached member3, where the Deployment does not go")
	}

	t.Run("an edit of a dependency follows", func(t *testing.T) {
		// Once the members' status stops changing, nothing but the edit itself
		// can bring the new data to the members.
		waitTemplateSettled(ctx, t, sb, ns, "web", 2)
		if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			cm, err := cp.CoreV1().ConfigMaps(ns).Get(ctx, "web-config", metav1.GetOptions{})
			if err != nil {
				return err
			}
			cm.Data["mode"] = "green"
			_, err = cp.CoreV1().ConfigMaps(ns).Update(ctx, cm, metav1.UpdateOptions{})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for _, m := range []string{framework.Member1, framework.Member2} {
			waitMemberConfigMapFor(ctx, t, sb, 20*time.Second, m, ns, "web-config", "the edited data", func(cm *corev1.ConfigMap) bool { return cm.Data["mode"] == "green" })
		}
	})
}

// TestLifecycleConflictThenOverwrite propagates a template onto a Deployment someone
// created on member1 directly: without conflictResolution the member's object is
// left alone and the Work says why; with Overwrite it is adopted in place.
func TestLifecycleConflictThenOverwrite(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	ns := fleetNamespace(ctx, t, sb, "e2e-conflict")
	karmada := sb.Karmada(t)
	m1 := sb.Client(t, framework.Member1)
	if _, err := m1.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	local := framework.Deployment(ns, "web", 1)
	container(local).Image = "registry.k8s.io/pause:3.9"
	local, err := m1.AppsV1().Deployments(ns).Create(ctx, local, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}

	pp := propagationPolicy(ns, "web", deploymentSelector("web"), duplicated(&policyv1alpha1.ClusterAffinity{ClusterNames: []string{framework.Member1}}))
	createObject(ctx, t, karmada, pp)
	createDeployment(ctx, t, sb, framework.Deployment(ns, "web", 1))

	work := waitWork(ctx, t, karmada, framework.Member1, ns, "web-deployment", "Applied=False", func(w *workv1alpha1.Work) bool {
		return meta.IsStatusConditionFalse(w.Status.Conditions, workv1alpha1.WorkApplied)
	})
	if c := meta.FindStatusCondition(work.Status.Conditions, workv1alpha1.WorkApplied); !strings.Contains(c.Message, "Deployment "+ns+"/web") {
		t.Errorf("Applied condition message %q does not name Deployment %s/web", c.Message, ns)
	}
	got, err := m1.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.UID != local.UID || container(got).Image != "registry.k8s.io/pause:3.9" {
		t.Fatalf("the member's own Deployment was overwritten without conflictResolution: %s", describeDeployment(got))
	}

	updatePolicy(ctx, t, karmada, ns, "web", func(p *policyv1alpha1.PropagationPolicy) {
		p.Spec.ConflictResolution = policyv1alpha1.ConflictOverwrite
	})
	adopted := waitMemberDeployment(ctx, t, sb, framework.Member1, ns, "web", "the template's image", func(d *appsv1.Deployment) bool {
		return container(d).Image == templateImage
	})
	if adopted.UID != local.UID {
		t.Errorf("the Deployment was replaced (uid %s, was %s), want it adopted in place", adopted.UID, local.UID)
	}
	waitWork(ctx, t, karmada, framework.Member1, ns, "web-deployment", "Applied=True", func(w *workv1alpha1.Work) bool {
		return meta.IsStatusConditionTrue(w.Status.Conditions, workv1alpha1.WorkApplied)
	})
}

// TestLifecyclePreserveOnDeletion deletes a template whose policy sets
// preserveResourcesOnDeletion: the members keep their copies.
func TestLifecyclePreserveOnDeletion(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	ns := fleetNamespace(ctx, t, sb, "e2e-preserve")
	karmada := sb.Karmada(t)
	pp := propagationPolicy(ns, "web", deploymentSelector("web"),
		duplicated(&policyv1alpha1.ClusterAffinity{ClusterNames: []string{framework.Member1, framework.Member2}}))
	pp.Spec.PreserveResourcesOnDeletion = ptr.To(true)
	createObject(ctx, t, karmada, pp)
	createDeployment(ctx, t, sb, framework.Deployment(ns, "web", 2))
	waitReplicas(ctx, t, sb, ns, "web", map[string]int32{framework.Member1: 2, framework.Member2: 2, framework.Member3: -1})

	deleteTemplateAndWaitForWorks(ctx, t, sb, ns, "web")
	// The Works are gone: whatever they were going to remove is removed by now.
	if got := replicasOn(ctx, t, sb, ns, "web"); got[framework.Member1] != 2 || got[framework.Member2] != 2 {
		t.Fatalf("replicas on the members after deleting the template = %v, want both copies preserved", got)
	}
	// A preserved copy is released: nothing ties it to the Work that is gone.
	for _, m := range []string{framework.Member1, framework.Member2} {
		d, err := sb.Client(t, m).AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if w := d.Labels["work.karmada.io/name"]; w != "" {
			t.Errorf("the copy preserved on %s still names Work %s: %v", m, w, d.Labels)
		}
	}
}

// TestLifecycleDeletionRemovesMemberCopies deletes a template whose policy does not
// preserve resources: the members' copies go with it.
func TestLifecycleDeletionRemovesMemberCopies(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	ns := fleetNamespace(ctx, t, sb, "e2e-delete")
	createObject(ctx, t, sb.Karmada(t), propagationPolicy(ns, "web", deploymentSelector("web"),
		duplicated(&policyv1alpha1.ClusterAffinity{ClusterNames: []string{framework.Member1, framework.Member2}})))
	createDeployment(ctx, t, sb, framework.Deployment(ns, "web", 2))
	waitReplicas(ctx, t, sb, ns, "web", map[string]int32{framework.Member1: 2, framework.Member2: 2, framework.Member3: -1})

	deleteTemplateAndWaitForWorks(ctx, t, sb, ns, "web")
	waitReplicas(ctx, t, sb, ns, "web", map[string]int32{framework.Member1: -1, framework.Member2: -1, framework.Member3: -1})
}

// TestLifecyclePolicyRecreated deletes the policy of a propagated template and
// creates it again: the template is claimed by the new policy and its edits reach
// the members again.
func TestLifecyclePolicyRecreated(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	ns := fleetNamespace(ctx, t, sb, "e2e-reclaim")
	karmada := sb.Karmada(t)
	cp := sb.Client(t, framework.ControlPlane)
	newPolicy := func() *policyv1alpha1.PropagationPolicy {
		return propagationPolicy(ns, "web", deploymentSelector("web"), duplicated(&policyv1alpha1.ClusterAffinity{ClusterNames: []string{framework.Member1}}))
	}
	createObject(ctx, t, karmada, newPolicy())
	createDeployment(ctx, t, sb, framework.Deployment(ns, "web", 1))
	waitReplicas(ctx, t, sb, ns, "web", map[string]int32{framework.Member1: 1, framework.Member2: -1, framework.Member3: -1})

	if err := karmada.Delete(ctx, newPolicy()); err != nil {
		t.Fatal(err)
	}
	waitTemplateClaim(ctx, t, sb, ns, "web", "")
	if got := replicasOn(ctx, t, sb, ns, "web"); got[framework.Member1] != 1 {
		t.Errorf("replicas on the members once the policy is deleted = %v, want member1's copy kept", got)
	}

	again := newPolicy()
	createObject(ctx, t, karmada, again)
	waitTemplateClaim(ctx, t, sb, ns, "web", string(again.UID))

	if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		d, err := cp.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return err
		}
		container(d).Image = "registry.k8s.io/pause:3.9"
		_, err = cp.AppsV1().Deployments(ns).Update(ctx, d, metav1.UpdateOptions{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	waitMemberDeployment(ctx, t, sb, framework.Member1, ns, "web", "the edited image", func(d *appsv1.Deployment) bool {
		return container(d).Image == "registry.k8s.io/pause:3.9"
	})
}

// TestLifecycleDriftAndTemplateEdits changes a member's copy behind the control
// plane's back, which is put right within seconds, then edits the template's
// labels, which reach the member.
func TestLifecycleDriftAndTemplateEdits(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	ns := fleetNamespace(ctx, t, sb, "e2e-drift")
	cp := sb.Client(t, framework.ControlPlane)
	m1 := sb.Client(t, framework.Member1)
	createObject(ctx, t, sb.Karmada(t), propagationPolicy(ns, "web", deploymentSelector("web"),
		duplicated(&policyv1alpha1.ClusterAffinity{ClusterNames: []string{framework.Member1}})))
	createDeployment(ctx, t, sb, framework.Deployment(ns, "web", 1))
	waitReplicas(ctx, t, sb, ns, "web", map[string]int32{framework.Member1: 1, framework.Member2: -1, framework.Member3: -1})

	t.Run("a member edit is reverted", func(t *testing.T) {
		if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			d, err := m1.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
			if err != nil {
				return err
			}
			container(d).Image = "registry.k8s.io/pause:3.9"
			_, err = m1.AppsV1().Deployments(ns).Update(ctx, d, metav1.UpdateOptions{})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		framework.WaitFor(ctx, t, 15*time.Second, "member1's image put back", func(ctx context.Context) (bool, string, error) {
			d, err := m1.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
			if err != nil {
				return false, "", err
			}
			return container(d).Image == templateImage, describeDeployment(d), nil
		})
	})
	t.Run("a template label edit propagates", func(t *testing.T) {
		if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			d, err := cp.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
			if err != nil {
				return err
			}
			d.Labels["release"] = "canary"
			_, err = cp.AppsV1().Deployments(ns).Update(ctx, d, metav1.UpdateOptions{})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		waitMemberDeployment(ctx, t, sb, framework.Member1, ns, "web", "label release=canary", func(d *appsv1.Deployment) bool {
			return d.Labels["release"] == "canary"
		})
	})
}

// waitTemplateSettled waits until a template Deployment's aggregated status shows
// all replicas ready for its current generation, after which its status no longer
// changes by itself.
func waitTemplateSettled(ctx context.Context, t *testing.T, sb *framework.Sandbox, ns, name string, ready int32) {
	t.Helper()
	cp := sb.Client(t, framework.ControlPlane)
	framework.WaitFor(ctx, t, 60*time.Second, fmt.Sprintf("deployment %s/%s with %d ready replicas", ns, name, ready), func(ctx context.Context) (bool, string, error) {
		d, err := cp.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		s := d.Status
		return s.ReadyReplicas == ready && s.UpdatedReplicas == ready && s.ObservedGeneration == d.Generation, fmt.Sprintf("%+v", s), nil
	})
	time.Sleep(2 * time.Second) // let the last status write go through the detector and the binding
}

// updatePolicy changes a PropagationPolicy, retrying on conflicts.
func updatePolicy(ctx context.Context, t *testing.T, c client.Client, ns, name string, change func(*policyv1alpha1.PropagationPolicy)) {
	t.Helper()
	if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var p policyv1alpha1.PropagationPolicy
		if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &p); err != nil {
			return err
		}
		change(&p)
		return c.Update(ctx, &p)
	}); err != nil {
		t.Fatalf("updating PropagationPolicy %s/%s: %v", ns, name, err)
	}
}

// waitTemplateClaim waits until the template carries the claim of the policy with
// the given permanent id, or none when it is empty.
func waitTemplateClaim(ctx context.Context, t *testing.T, sb *framework.Sandbox, ns, name, id string) {
	t.Helper()
	cp := sb.Client(t, framework.ControlPlane)
	what := "claimed by the PropagationPolicy with permanent id " + id
	if id == "" {
		what = "no longer claimed"
	}
	framework.WaitFor(ctx, t, 30*time.Second, fmt.Sprintf("deployment %s/%s %s", ns, name, what), func(ctx context.Context) (bool, string, error) {
		d, err := cp.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		return d.Labels["propagationpolicy.karmada.io/permanent-id"] == id, fmt.Sprintf("labels %v", d.Labels), nil
	})
}

// deleteTemplateAndWaitForWorks deletes a template Deployment and waits until its
// Works are gone from every execution namespace.
func deleteTemplateAndWaitForWorks(ctx context.Context, t *testing.T, sb *framework.Sandbox, ns, name string) {
	t.Helper()
	if err := sb.Client(t, framework.ControlPlane).AppsV1().Deployments(ns).Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	karmada := sb.Karmada(t)
	framework.WaitFor(ctx, t, 60*time.Second, "the Works of deployment "+ns+"/"+name+" gone", func(ctx context.Context) (bool, string, error) {
		var left []string
		for _, m := range framework.Members {
			w, err := findWork(ctx, karmada, m, ns, name+"-deployment")
			if err != nil {
				return false, "", err
			}
			if w != nil {
				left = append(left, w.Namespace+"/"+w.Name)
			}
		}
		return len(left) == 0, fmt.Sprintf("Works left: %v", left), nil
	})
}
