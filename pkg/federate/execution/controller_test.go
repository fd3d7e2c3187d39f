package execution

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	workv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/federate/naming"
)

const (
	nsManifest     = `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"shop"}}`
	deployManifest = `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop"},"spec":{"replicas":2}}`
)

var webKey = objectKey{gvr: deploymentsGVR, namespace: "shop", name: "web"}

func TestReconcileAppliesAndReportsStatus(t *testing.T) {
	env := newTestEnv(t, newFakeMember(), testClusterObj(metav1.ConditionTrue), testWorkObj("web", nsManifest, deployManifest))

	if _, err := env.reconcile(t, "web"); err != nil {
		t.Fatal(err)
	}
	// First apply: the namespace is read and created, the Deployment read (to
	// find someone else's) and applied.
	want := []string{"get namespaces", "create namespaces", "get deployments", "patch deployments"}
	if diff := cmp.Diff(want, env.member.requests()); diff != "" {
		t.Errorf("member requests (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"patch web", "patch web/status"}, env.cp.takeWrites()); diff != "" {
		t.Errorf("control-plane writes (-want +got):\n%s", diff)
	}
	live := env.member.object(t, deploymentsGVR, "shop", "web")
	wantLabels := map[string]string{
		naming.ManagedByLabel: "true", naming.WorkNamespaceLabel: testWork.Namespace, naming.WorkNameLabel: "web",
	}
	if diff := cmp.Diff(wantLabels, live.GetLabels()); diff != "" {
		t.Errorf("member labels (-want +got):\n%s", diff)
	}
	work := env.work(t, "web")
	if !controllerutil.ContainsFinalizer(work, Finalizer) {
		t.Errorf("finalizers = %v, want %s", work.Finalizers, Finalizer)
	}
	if c := meta.FindStatusCondition(work.Status.Conditions, workv1alpha1.WorkApplied); c == nil || c.Status != metav1.ConditionTrue {
		t.Errorf("Applied = %+v, want True", c)
	}
	var ids []workv1alpha1.ResourceIdentifier
	for _, s := range work.Status.ManifestStatuses {
		ids = append(ids, s.Identifier)
	}
	wantIDs := []workv1alpha1.ResourceIdentifier{
		{Ordinal: 0, Version: "v1", Kind: "Namespace", Resource: "namespaces", Name: "shop"},
		{Ordinal: 1, Group: "apps", Version: "v1", Kind: "Deployment", Resource: "deployments", Namespace: "shop", Name: "web"},
	}
	if diff := cmp.Diff(wantIDs, ids); diff != "" {
		t.Errorf("manifest identifiers (-want +got):\n%s", diff)
	}

	// The member's informer sees our own write: nothing to do, not even a write.
	env.waitCached(t, webKey, live.GetResourceVersion())
	env.member.dyn.ClearActions()
	if _, err := env.reconcile(t, "web"); err != nil {
		t.Fatal(err)
	}
	if got := env.member.requests(); len(got) != 0 {
		t.Errorf("member requests on an unchanged work = %v, want none", got)
	}
	if got := env.cp.takeWrites(); len(got) != 0 {
		t.Errorf("control-plane writes on an unchanged work = %v, want none", got)
	}

	// The Deployment becomes ready on the member: the Work is queued and its
	// status updated, with no apply.
	env.member.update(t, deploymentsGVR, "shop", "web", func(u *unstructured.Unstructured) {
		u.Object["status"] = map[string]any{"observedGeneration": int64(1), "readyReplicas": int64(2), "updatedReplicas": int64(2)}
	})
	env.waitQueued(t, "web")
	env.waitCached(t, webKey, env.member.object(t, deploymentsGVR, "shop", "web").GetResourceVersion())
	if _, err := env.reconcile(t, "web"); err != nil {
		t.Fatal(err)
	}
	if got := env.member.requests(); len(got) != 0 {
		t.Errorf("member requests on a status change = %v, want none", got)
	}
	if diff := cmp.Diff([]string{"patch web/status"}, env.cp.takeWrites()); diff != "" {
		t.Errorf("control-plane writes (-want +got):\n%s", diff)
	}
	work = env.work(t, "web")
	if got := work.Status.ManifestStatuses[1]; got.Health != workv1alpha1.ResourceHealthy ||
		!strings.Contains(string(got.Status.Raw), `"readyReplicas":2`) {
		t.Errorf("deployment status = %s %s, want Healthy with readyReplicas 2", got.Health, got.Status.Raw)
	}
	if c := meta.FindStatusCondition(work.Status.Conditions, workv1alpha1.WorkAvailable); c == nil || c.Status != metav1.ConditionTrue {
		t.Errorf("Available = %+v, want True", c)
	}
}

func TestReconcileCorrectsDrift(t *testing.T) {
	tests := []struct {
		name  string
		drift func(t *testing.T, m *fakeMember)
		check func(t *testing.T, before, after *unstructured.Unstructured)
	}{
		{
			name: "spec changed",
			drift: func(t *testing.T, m *fakeMember) {
				m.update(t, deploymentsGVR, "shop", "web", func(u *unstructured.Unstructured) {
					_ = unstructured.SetNestedField(u.Object, int64(5), "spec", "replicas")
					u.SetGeneration(u.GetGeneration() + 1)
				})
			},
			check: func(t *testing.T, _, after *unstructured.Unstructured) {
				if got, _, _ := unstructured.NestedInt64(after.Object, "spec", "replicas"); got != 2 {
					t.Errorf("spec.replicas = %d, want 2", got)
				}
			},
		},
		{
			name: "work labels removed",
			drift: func(t *testing.T, m *fakeMember) {
				m.update(t, deploymentsGVR, "shop", "web", func(u *unstructured.Unstructured) {
					u.SetLabels(map[string]string{naming.ManagedByLabel: "true"})
				})
			},
			check: func(t *testing.T, _, after *unstructured.Unstructured) {
				if after.GetLabels()[naming.WorkNameLabel] != "web" {
					t.Errorf("labels = %v, want the work's labels back", after.GetLabels())
				}
			},
		},
		{
			name: "deleted",
			drift: func(t *testing.T, m *fakeMember) {
				if err := m.dyn.Tracker().Delete(deploymentsGVR, "shop", "web"); err != nil {
					t.Fatal(err)
				}
			},
			check: func(t *testing.T, before, after *unstructured.Unstructured) {
				if after == nil || after.GetUID() == before.GetUID() {
					t.Errorf("deployment was not recreated")
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t, newFakeMember(), testClusterObj(metav1.ConditionTrue), testWorkObj("web", deployManifest))
			if _, err := env.reconcile(t, "web"); err != nil {
				t.Fatal(err)
			}
			before := env.member.object(t, deploymentsGVR, "shop", "web")
			env.waitCached(t, webKey, before.GetResourceVersion())
			env.waitQueued(t, "web")
			env.member.dyn.ClearActions()

			tt.drift(t, env.member)
			env.waitQueued(t, "web")
			if _, err := env.reconcile(t, "web"); err != nil {
				t.Fatal(err)
			}
			// One apply, and no read: the object is known to be the Work's.
			if diff := cmp.Diff([]string{"patch deployments"}, env.member.requests()); diff != "" {
				t.Errorf("member requests (-want +got):\n%s", diff)
			}
			tt.check(t, before, env.member.object(t, deploymentsGVR, "shop", "web"))
		})
	}
}

func TestReconcileConflicts(t *testing.T) {
	existing := func() *unstructured.Unstructured {
		return mustDecode(t, `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop","labels":{"app":"mine"}},"spec":{"replicas":7}}`)
	}
	overwrite := `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop",
		"annotations":{"work.karmada.io/conflict-resolution":"overwrite"}},"spec":{"replicas":2}}`
	tests := []struct {
		name         string
		manifest     string
		wantRequests []string
		wantReplicas int64
		wantApplied  metav1.Condition
		wantEvents   []string
	}{
		{
			name:         "abort by default",
			manifest:     deployManifest,
			wantRequests: []string{"get deployments"},
			wantReplicas: 7,
			wantApplied: metav1.Condition{
				Type: workv1alpha1.WorkApplied, Status: metav1.ConditionFalse, Reason: ReasonConflict,
				Message: "Deployment shop/web already exists on member1 and is not managed by Karmada; set conflictResolution: Overwrite to adopt it",
			},
			wantEvents: []string{"Warning ConflictResolvedFailed Deployment shop/web already exists on member1 and is not managed by Karmada; set conflictResolution: Overwrite to adopt it"},
		},
		{
			name:         "overwrite adopts",
			manifest:     overwrite,
			wantRequests: []string{"get deployments", "patch deployments"},
			wantReplicas: 2,
			wantApplied: metav1.Condition{
				Type: workv1alpha1.WorkApplied, Status: metav1.ConditionTrue, Reason: ReasonAppliedSuccessful,
				Message: "1 manifest(s) applied to member1",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			member := newFakeMember(existing())
			before := member.object(t, deploymentsGVR, "shop", "web")
			env := newTestEnv(t, member, testClusterObj(metav1.ConditionTrue), testWorkObj("web", tt.manifest))
			res, err := env.reconcile(t, "web")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantRequests, member.requests()); diff != "" {
				t.Errorf("member requests (-want +got):\n%s", diff)
			}
			after := member.object(t, deploymentsGVR, "shop", "web")
			if after.GetUID() != before.GetUID() {
				t.Errorf("UID changed from %s to %s: the object was replaced", before.GetUID(), after.GetUID())
			}
			if got, _, _ := unstructured.NestedInt64(after.Object, "spec", "replicas"); got != tt.wantReplicas {
				t.Errorf("spec.replicas = %d, want %d", got, tt.wantReplicas)
			}
			got := meta.FindStatusCondition(env.work(t, "web").Status.Conditions, workv1alpha1.WorkApplied)
			if got == nil {
				t.Fatal("no Applied condition")
			}
			if diff := cmp.Diff(tt.wantApplied, *got, cmpIgnoreTime); diff != "" {
				t.Errorf("Applied (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantEvents, drainEvents(env.events)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if tt.wantApplied.Status == metav1.ConditionFalse && res.RequeueAfter != conflictRetry {
				t.Errorf("RequeueAfter = %v, want %v", res.RequeueAfter, conflictRetry)
			}

			// A second try neither repeats the Event nor writes the status again.
			member.dyn.ClearActions()
			env.cp.takeWrites()
			if _, err := env.reconcile(t, "web"); err != nil {
				t.Fatal(err)
			}
			if got := drainEvents(env.events); len(got) != 0 {
				t.Errorf("events on retry = %v, want none", got)
			}
			if got := env.cp.takeWrites(); len(got) != 0 {
				t.Errorf("control-plane writes on retry = %v, want none", got)
			}
		})
	}
}

func TestReconcileSkips(t *testing.T) {
	suspended := testWorkObj("web", deployManifest)
	suspended.Spec.SuspendDispatching = ptr.To(true)
	tests := []struct {
		name        string
		ready       metav1.ConditionStatus
		work        *workv1alpha1.Work
		wantRequeue time.Duration
	}{
		{name: "cluster not ready", ready: metav1.ConditionFalse, work: testWorkObj("web", deployManifest), wantRequeue: notReadyRetry},
		{name: "suspended", ready: metav1.ConditionTrue, work: suspended},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t, newFakeMember(), testClusterObj(tt.ready), tt.work)
			res, err := env.reconcile(t, "web")
			if err != nil {
				t.Fatal(err)
			}
			if res.RequeueAfter != tt.wantRequeue {
				t.Errorf("RequeueAfter = %v, want %v", res.RequeueAfter, tt.wantRequeue)
			}
			if got := env.member.requests(); len(got) != 0 {
				t.Errorf("member requests = %v, want none", got)
			}
			if !controllerutil.ContainsFinalizer(env.work(t, "web"), Finalizer) {
				t.Error("the finalizer was not added")
			}
		})
	}
}

var cmpIgnoreTime = cmp.FilterPath(func(p cmp.Path) bool {
	return p.Last().String() == ".LastTransitionTime" || p.Last().String() == ".ObservedGeneration"
}, cmp.Ignore())

func TestReconcileFailures(t *testing.T) {
	tests := []struct {
		name        string
		manifest    string
		down        bool
		wantErr     bool
		wantReason  string
		wantMessage string
		wantResets  int32
	}{
		{
			name:        "undecodable manifest waits for the work to change",
			manifest:    `{"apiVersion":"v1","kind":"ConfigMap","metadata":{}}`,
			wantReason:  ReasonAppliedFailed,
			wantMessage: "manifest 0: invalid manifest: the ConfigMap manifest has no metadata.name",
		},
		{
			name:        "kind the member does not serve is retried after rediscovery",
			manifest:    `{"apiVersion":"example.io/v1","kind":"Widget","metadata":{"name":"w","namespace":"shop"}}`,
			wantErr:     true,
			wantReason:  ReasonAppliedFailed,
			wantMessage: `mapping example.io/v1, Kind=Widget on cluster member1: no matches for kind "Widget" in version "example.io/v1"`,
			wantResets:  1,
		},
		{
			name:        "unreachable member is retried",
			manifest:    deployManifest,
			down:        true,
			wantErr:     true,
			wantReason:  ReasonAppliedFailed,
			wantMessage: "reading Deployment shop/web: dial tcp: connection refused",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			member := newFakeMember()
			member.down.Store(tt.down)
			env := newTestEnv(t, member, testClusterObj(metav1.ConditionTrue), testWorkObj("web", tt.manifest))
			res, err := env.reconcile(t, "web")
			if (err != nil) != tt.wantErr {
				t.Fatalf("Reconcile() error = %v, want error %v", err, tt.wantErr)
			}
			if res.RequeueAfter != 0 {
				t.Errorf("RequeueAfter = %v, want none", res.RequeueAfter)
			}
			got := meta.FindStatusCondition(env.work(t, "web").Status.Conditions, workv1alpha1.WorkApplied)
			if got == nil || got.Status != metav1.ConditionFalse || got.Reason != tt.wantReason || got.Message != tt.wantMessage {
				t.Errorf("Applied = %+v, want False %s %q", got, tt.wantReason, tt.wantMessage)
			}
			if got := member.mapper.resets.Load(); got != tt.wantResets {
				t.Errorf("mapper resets = %d, want %d", got, tt.wantResets)
			}
			if diff := cmp.Diff([]string{"Warning " + tt.wantReason + " " + tt.wantMessage}, drainEvents(env.events)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReconcileIgnoresOtherNamespaces(t *testing.T) {
	work := testWorkObj("web", deployManifest)
	work.Namespace = "default"
	env := newTestEnv(t, newFakeMember(), testClusterObj(metav1.ConditionTrue), work)
	if _, err := env.r.Reconcile(context.Background(), reconcile.Request{NamespacedName: types.NamespacedName{Namespace: "default", Name: "web"}}); err != nil {
		t.Fatal(err)
	}
	if got := env.cp.takeWrites(); len(got) != 0 {
		t.Errorf("control-plane writes = %v, want none", got)
	}
}
