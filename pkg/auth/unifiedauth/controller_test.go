package unifiedauth

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	kubefake "k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/federate"
)

func controlPlane(ready metav1.ConditionStatus) []client.Object {
	cluster := &clusterv1alpha1.Cluster{
		ObjectMeta: metav1.ObjectMeta{Name: "member1"},
		Spec: clusterv1alpha1.ClusterSpec{
			SyncMode:    clusterv1alpha1.Push,
			APIEndpoint: "https://member1.example:6443",
			SecretRef:   &clusterv1alpha1.LocalSecretReference{Namespace: "karmada-cluster", Name: "member1"},
		},
		Status: clusterv1alpha1.ClusterStatus{Conditions: []metav1.Condition{{
			Type: clusterv1alpha1.ClusterConditionReady, Status: ready, Reason: "Test", LastTransitionTime: metav1.Now(),
		}}},
	}
	return []client.Object{
		cluster,
		&corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: "karmada-cluster", Name: "member1"},
			Data:       map[string][]byte{"token": []byte("t")},
		},
		&rbacv1.ClusterRole{
			ObjectMeta: metav1.ObjectMeta{Name: "member1-proxy"},
			Rules: []rbacv1.PolicyRule{{
				APIGroups: []string{"cluster.karmada.io"}, Resources: []string{"clusters/proxy"}, Verbs: []string{"*"},
				ResourceNames: []string{"member1"},
			}},
		},
		&rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "member1-proxy"},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "member1-proxy"},
			Subjects: []rbacv1.Subject{
				{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "alice"},
				{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: "system:masters"},
			},
		},
	}
}

var wantRules = []rbacv1.PolicyRule{
	{APIGroups: []string{""}, Resources: []string{"users"}, Verbs: []string{"impersonate"}, ResourceNames: []string{"alice"}},
	{APIGroups: []string{"authentication.k8s.io"}, Resources: extraResources(), Verbs: []string{"impersonate"}},
}

// writes lists the verb and resource of every write the member saw.
func writes(kc *kubefake.Clientset) []string {
	var out []string
	for _, a := range kc.Actions() {
		if a.GetVerb() != "get" && a.GetVerb() != "list" && a.GetVerb() != "watch" {
			out = append(out, a.GetVerb()+" "+a.GetResource().Resource)
		}
	}
	return out
}

func TestReconcile(t *testing.T) {
	binding := func(roleRef string, subjects ...rbacv1.Subject) *rbacv1.ClusterRoleBinding {
		return &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: ImpersonatorName},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: roleRef},
			Subjects:   subjects,
		}
	}
	impersonatorSA := rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: ImpersonatorNamespace, Name: ImpersonatorName}
	tests := []struct {
		name       string
		ready      metav1.ConditionStatus
		member     []runtime.Object
		wantWrites []string
		wantEvents int
		wantResult reconcile.Result
	}{
		{
			name:  "fresh member gets every object",
			ready: metav1.ConditionTrue,
			wantWrites: []string{
				"create namespaces", "create serviceaccounts", "create clusterroles", "create clusterrolebindings",
			},
			wantEvents: 1,
			wantResult: reconcile.Result{RequeueAfter: resyncPeriod},
		},
		{
			name:  "drifted role and binding are repaired",
			ready: metav1.ConditionTrue,
			member: []runtime.Object{
				&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ImpersonatorNamespace}},
				&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ImpersonatorNamespace, Name: ImpersonatorName}},
				&rbacv1.ClusterRole{
					ObjectMeta:      metav1.ObjectMeta{Name: ImpersonatorName},
					Rules:           []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"users", "groups"}, Verbs: []string{"impersonate"}}},
					AggregationRule: &rbacv1.AggregationRule{},
				},
				binding(ImpersonatorName, impersonatorSA, rbacv1.Subject{Kind: rbacv1.UserKind, Name: "mallory"}),
			},
			wantWrites: []string{"update clusterroles", "update clusterrolebindings"},
			wantEvents: 1,
			wantResult: reconcile.Result{RequeueAfter: resyncPeriod},
		},
		{
			name:  "binding to another role is replaced",
			ready: metav1.ConditionTrue,
			member: []runtime.Object{
				&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ImpersonatorNamespace}},
				&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ImpersonatorNamespace, Name: ImpersonatorName}},
				&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: ImpersonatorName, Labels: managedBy}, Rules: wantRules},
				binding("cluster-admin", impersonatorSA),
			},
			wantWrites: []string{"delete clusterrolebindings", "create clusterrolebindings"},
			wantEvents: 1,
			wantResult: reconcile.Result{RequeueAfter: resyncPeriod},
		},
		{
			name:       "cluster not ready is left alone",
			ready:      metav1.ConditionFalse,
			wantResult: reconcile.Result{RequeueAfter: notReadyRetry},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cp := fake.NewClientBuilder().WithScheme(federate.Scheme).WithObjects(controlPlane(tt.ready)...).Build()
			member := kubefake.NewClientset(tt.member...)
			recorder := events.NewFakeRecorder(10)
			r := NewReconciler(cp, cp, recorder)
			r.clients = newMemberClients(func(*rest.Config) (kubernetes.Interface, error) { return member, nil })
			req := reconcile.Request{NamespacedName: types.NamespacedName{Name: "member1"}}

			res, err := r.Reconcile(context.Background(), req)
			if err != nil {
				t.Fatalf("Reconcile() error: %v", err)
			}
			if diff := cmp.Diff(tt.wantResult, res); diff != "" {
				t.Errorf("result mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantWrites, writes(member)); diff != "" {
				t.Errorf("member writes mismatch (-want +got):\n%s", diff)
			}
			if got := len(recorder.Events); got != tt.wantEvents {
				t.Errorf("recorded %d events, want %d", got, tt.wantEvents)
			}
			if tt.ready != metav1.ConditionTrue {
				return
			}
			ctx := context.Background()
			role, err := member.RbacV1().ClusterRoles().Get(ctx, ImpersonatorName, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantRules, role.Rules); diff != "" {
				t.Errorf("impersonator rules mismatch (-want +got):\n%s", diff)
			}
			if role.AggregationRule != nil {
				t.Error("aggregation rule left on the impersonator's role")
			}
			crb, err := member.RbacV1().ClusterRoleBindings().Get(ctx, ImpersonatorName, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]rbacv1.Subject{impersonatorSA}, crb.Subjects); diff != "" {
				t.Errorf("binding subjects mismatch (-want +got):\n%s", diff)
			}
			if crb.RoleRef.Name != ImpersonatorName {
				t.Errorf("binding refers to %q, want %q", crb.RoleRef.Name, ImpersonatorName)
			}

			// A second pass is idempotent: it writes nothing.
			member.ClearActions()
			if _, err := r.Reconcile(ctx, req); err != nil {
				t.Fatalf("second Reconcile() error: %v", err)
			}
			if got := writes(member); len(got) != 0 {
				t.Errorf("second pass wrote %v", got)
			}
		})
	}
}

func TestReconcileFailureRecordsEvent(t *testing.T) {
	cp := fake.NewClientBuilder().WithScheme(federate.Scheme).WithObjects(controlPlane(metav1.ConditionTrue)...).Build()
	member := kubefake.NewClientset()
	member.PrependReactor("create", "clusterroles", func(clienttesting.Action) (bool, runtime.Object, error) {
		return true, nil, context.DeadlineExceeded
	})
	recorder := events.NewFakeRecorder(10)
	r := NewReconciler(cp, cp, recorder)
	r.clients = newMemberClients(func(*rest.Config) (kubernetes.Interface, error) { return member, nil })

	_, err := r.Reconcile(context.Background(), reconcile.Request{NamespacedName: types.NamespacedName{Name: "member1"}})
	if err == nil {
		t.Fatal("Reconcile() succeeded, want an error")
	}
	var got []string
	for len(recorder.Events) > 0 {
		got = append(got, <-recorder.Events)
	}
	want := []string{
		"Normal ImpersonatorSynced updated Namespace, ServiceAccount of the impersonator on the cluster (2 rules)",
		"Warning ImpersonatorSyncFailed ClusterRole karmada-impersonator: context deadline exceeded",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events mismatch (-want +got):\n%s", diff)
	}
}
