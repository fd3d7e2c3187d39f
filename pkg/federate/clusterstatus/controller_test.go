package clusterstatus

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/kubernetes"
	kubefake "k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/federate"
)

const (
	testInterval = 10 * time.Second
	testTimeout  = time.Second
)

func testCluster(endpoint string, ref *clusterv1alpha1.LocalSecretReference, ready *metav1.Condition) *clusterv1alpha1.Cluster {
	c := &clusterv1alpha1.Cluster{
		ObjectMeta: metav1.ObjectMeta{Name: "member1", Generation: 3},
		Spec:       clusterv1alpha1.ClusterSpec{SyncMode: clusterv1alpha1.Push, APIEndpoint: endpoint, SecretRef: ref},
	}
	if ready != nil {
		c.Status.Conditions = []metav1.Condition{*ready}
	}
	return c
}

func credentials(data map[string]string) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "karmada-cluster", Name: "member1"}, Data: map[string][]byte{}}
	for k, v := range data {
		s.Data[k] = []byte(v)
	}
	return s
}

func readyCondition(status metav1.ConditionStatus, reason, message string) *metav1.Condition {
	return &metav1.Condition{
		Type: clusterv1alpha1.ClusterConditionReady, Status: status, Reason: reason, Message: message,
		ObservedGeneration: 3, LastTransitionTime: metav1.NewTime(time.Now().Add(-time.Hour).Truncate(time.Second)),
	}
}

func newTestReconciler(objs ...client.Object) (*Reconciler, client.Client, *events.FakeRecorder) {
	c := fake.NewClientBuilder().WithScheme(federate.Scheme).
		WithStatusSubresource(&clusterv1alpha1.Cluster{}).WithObjects(objs...).Build()
	recorder := events.NewFakeRecorder(10)
	return NewReconciler(c, c, recorder, testInterval, testTimeout), c, recorder
}

func drain(recorder *events.FakeRecorder) []string {
	var out []string
	for {
		select {
		case e := <-recorder.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

func TestReconcileReadyCondition(t *testing.T) {
	ref := &clusterv1alpha1.LocalSecretReference{Namespace: "karmada-cluster", Name: "member1"}
	good := credentials(map[string]string{"token": "good-token"})
	healthyMsg := "cluster is healthy and ready to accept workloads"
	tests := []struct {
		name     string
		ref      *clusterv1alpha1.LocalSecretReference
		secret   *corev1.Secret
		before   *metav1.Condition
		readyz   int32
		stopped  bool
		want     metav1.Condition
		wantEvts []string
		wantVer  string
	}{
		{
			name: "no secretRef",
			want: metav1.Condition{Status: metav1.ConditionFalse, Reason: ReasonInvalidCredentials,
				Message: "invalid credentials: spec.secretRef of cluster member1 is not set"},
			wantEvts: []string{"Warning InvalidCredentials invalid credentials: spec.secretRef of cluster member1 is not set"},
		},
		{
			name: "secret missing",
			ref:  ref,
			want: metav1.Condition{Status: metav1.ConditionFalse, Reason: ReasonInvalidCredentials,
				Message: "invalid credentials: secret karmada-cluster/member1 named by spec.secretRef does not exist"},
			wantEvts: []string{"Warning InvalidCredentials invalid credentials: secret karmada-cluster/member1 named by spec.secretRef does not exist"},
		},
		{
			name:   "secret without token",
			ref:    ref,
			secret: credentials(map[string]string{"caBundle": "x"}),
			before: readyCondition(metav1.ConditionFalse, ReasonInvalidCredentials, "old message"),
			want: metav1.Condition{Status: metav1.ConditionFalse, Reason: ReasonInvalidCredentials,
				Message: `invalid credentials: secret karmada-cluster/member1 named by spec.secretRef has no "token" key`},
		},
		{
			name:     "healthy member turns Ready",
			ref:      ref,
			secret:   good,
			readyz:   http.StatusOK,
			before:   readyCondition(metav1.ConditionFalse, ReasonClusterNotReachable, "was down"),
			want:     metav1.Condition{Status: metav1.ConditionTrue, Reason: ReasonClusterReady, Message: healthyMsg},
			wantEvts: []string{"Normal ClusterReady " + healthyMsg},
			wantVer:  "v1.37.2",
		},
		{
			name:    "healthy member stays Ready without a write",
			ref:     ref,
			secret:  good,
			readyz:  http.StatusOK,
			before:  readyCondition(metav1.ConditionTrue, ReasonClusterReady, healthyMsg),
			want:    metav1.Condition{Status: metav1.ConditionTrue, Reason: ReasonClusterReady, Message: healthyMsg},
			wantVer: "v1.37.2",
		},
		{
			name:   "unhealthy member",
			ref:    ref,
			secret: good,
			readyz: http.StatusInternalServerError,
			before: readyCondition(metav1.ConditionTrue, ReasonClusterReady, healthyMsg),
			want: metav1.Condition{Status: metav1.ConditionFalse, Reason: ReasonClusterNotReady,
				Message: "GET /readyz answered 500: [-]etcd failed: reason withheld\nreadyz check failed"},
			wantEvts: []string{"Warning ClusterNotReady GET /readyz answered 500: [-]etcd failed: reason withheld\nreadyz check failed"},
		},
		{
			name:     "stopped member",
			ref:      ref,
			secret:   good,
			stopped:  true,
			before:   readyCondition(metav1.ConditionTrue, ReasonClusterReady, healthyMsg),
			want:     metav1.Condition{Status: metav1.ConditionFalse, Reason: ReasonClusterNotReachable},
			wantEvts: []string{"Warning ClusterNotReachable"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newFakeMember(t)
			m.readyz.Store(tt.readyz)
			if tt.stopped {
				m.Close()
			}
			cluster := testCluster(m.URL, tt.ref, tt.before)
			objs := []client.Object{cluster}
			if tt.secret != nil {
				objs = append(objs, tt.secret.DeepCopy())
			}
			r, c, recorder := newTestReconciler(objs...)
			before := &clusterv1alpha1.Cluster{}
			if err := c.Get(context.Background(), types.NamespacedName{Name: "member1"}, before); err != nil {
				t.Fatal(err)
			}

			res, err := r.Reconcile(context.Background(), reconcile.Request{NamespacedName: types.NamespacedName{Name: "member1"}})
			if err != nil {
				t.Fatalf("Reconcile() error: %v", err)
			}
			if res.RequeueAfter <= 0 || res.RequeueAfter > testInterval {
				t.Errorf("RequeueAfter = %v, want within (0, %v]", res.RequeueAfter, testInterval)
			}

			after := &clusterv1alpha1.Cluster{}
			if err := c.Get(context.Background(), types.NamespacedName{Name: "member1"}, after); err != nil {
				t.Fatal(err)
			}
			got := meta.FindStatusCondition(after.Status.Conditions, clusterv1alpha1.ClusterConditionReady)
			if got == nil {
				t.Fatal("no Ready condition")
			}
			want := tt.want
			want.Type, want.ObservedGeneration = clusterv1alpha1.ClusterConditionReady, 3
			opts := []cmp.Option{cmpopts.IgnoreFields(metav1.Condition{}, "LastTransitionTime")}
			if tt.stopped {
				// The transport error names a random port.
				opts = append(opts, cmpopts.IgnoreFields(metav1.Condition{}, "Message"))
			}
			if diff := cmp.Diff(want, *got, opts...); diff != "" {
				t.Errorf("Ready condition mismatch (-want +got):\n%s", diff)
			}
			if tt.before != nil && tt.before.Status == got.Status && !got.LastTransitionTime.Equal(&tt.before.LastTransitionTime) {
				t.Errorf("lastTransitionTime moved from %v to %v without a transition", tt.before.LastTransitionTime, got.LastTransitionTime)
			}
			if after.Status.KubernetesVersion != tt.wantVer {
				t.Errorf("kubernetesVersion = %q, want %q", after.Status.KubernetesVersion, tt.wantVer)
			}
			evts := drain(recorder)
			if tt.stopped {
				for i := range evts {
					evts[i] = evts[i][:len(tt.wantEvts[0])]
				}
			}
			if diff := cmp.Diff(tt.wantEvts, evts); diff != "" {
				t.Errorf("events mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReconcileWritesOnlyChanges(t *testing.T) {
	m := newFakeMember(t)
	cluster := testCluster(m.URL, &clusterv1alpha1.LocalSecretReference{Namespace: "karmada-cluster", Name: "member1"}, nil)
	r, c, _ := newTestReconciler(cluster, credentials(map[string]string{"token": "good-token"}))
	req := reconcile.Request{NamespacedName: types.NamespacedName{Name: "member1"}}
	var versions []string
	for range 3 {
		if _, err := r.Reconcile(context.Background(), req); err != nil {
			t.Fatalf("Reconcile() error: %v", err)
		}
		got := &clusterv1alpha1.Cluster{}
		if err := c.Get(context.Background(), req.NamespacedName, got); err != nil {
			t.Fatal(err)
		}
		versions = append(versions, got.ResourceVersion)
	}
	if versions[1] != versions[0] || versions[2] != versions[0] {
		t.Errorf("status rewritten without a change: resourceVersions %v", versions)
	}
}

func TestReconcileSummaries(t *testing.T) {
	m := newFakeMember(t)
	ready := node("n1", corev1.ConditionTrue, list("cpu", "4", "pods", "110"))
	notReady := node("n2", corev1.ConditionFalse, list("cpu", "4", "pods", "110"))
	running := pod("n1", corev1.PodRunning, list("cpu", "1"))
	running.Name, running.Namespace = "running", "default"
	pending := pod("", corev1.PodPending, list("cpu", "500m"))
	pending.Name, pending.Namespace = "pending", "default"
	watcher := kubefake.NewClientset(ready, notReady, running, pending)

	cluster := testCluster(m.URL, &clusterv1alpha1.LocalSecretReference{Namespace: "karmada-cluster", Name: "member1"}, nil)
	r, c, _ := newTestReconciler(cluster, credentials(map[string]string{"token": "good-token"}))
	r.members.connect = func(cfg *rest.Config, timeout time.Duration) (discovery.DiscoveryInterface, kubernetes.Interface, error) {
		probe, _, err := connect(cfg, timeout)
		return probe, watcher, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = r.Start(ctx) }()

	want := &clusterv1alpha1.ResourceSummary{
		Allocatable: list("cpu", "4", "pods", "110"),
		Allocated:   list("cpu", "1", "pods", "1"),
		Allocating:  list("cpu", "500m", "pods", "1"),
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := r.Reconcile(ctx, reconcile.Request{NamespacedName: types.NamespacedName{Name: "member1"}}); err != nil {
			t.Fatalf("Reconcile() error: %v", err)
		}
		got := &clusterv1alpha1.Cluster{}
		if err := c.Get(ctx, types.NamespacedName{Name: "member1"}, got); err != nil {
			t.Fatal(err)
		}
		if got.Status.ResourceSummary != nil {
			if diff := cmp.Diff(&clusterv1alpha1.NodeSummary{TotalNum: 2, ReadyNum: 1}, got.Status.NodeSummary); diff != "" {
				t.Errorf("node summary mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want, got.Status.ResourceSummary, quantityEqual); diff != "" {
				t.Errorf("resource summary mismatch (-want +got):\n%s", diff)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("summaries never appeared")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestReconcileDeletedClusterForgetsMember(t *testing.T) {
	r, _, _ := newTestReconciler()
	r.members.byID["member1"] = &member{}
	if _, err := r.Reconcile(context.Background(), reconcile.Request{NamespacedName: types.NamespacedName{Name: "member1"}}); err != nil {
		t.Fatal(err)
	}
	if _, ok := r.members.byID["member1"]; ok {
		t.Error("member of a deleted cluster is still cached")
	}
}
