package unifiedauth

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	kubefake "k8s.io/client-go/kubernetes/fake"
)

func proxyBinding(name, role string, subjects ...rbacv1.Subject) *rbacv1.ClusterRoleBinding {
	return &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
		Subjects:   subjects,
	}
}

func TestGroupFilter(t *testing.T) {
	role := &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: "member1-proxy"},
		Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{"cluster.karmada.io"}, Resources: []string{"clusters/proxy"}, Verbs: []string{"get"},
			ResourceNames: []string{"member1"},
		}},
	}
	kc := kubefake.NewClientset(role, proxyBinding("devs", "member1-proxy",
		rbacv1.Subject{Kind: rbacv1.GroupKind, Name: "devs"},
		rbacv1.Subject{Kind: rbacv1.GroupKind, Name: "system:masters"},
		rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: "ci", Name: "deployer"},
	))
	factory := informers.NewSharedInformerFactory(kc, 0)
	filter, err := NewGroupFilter(factory)
	if err != nil {
		t.Fatal(err)
	}
	// Before the informers sync, only system:masters is dropped.
	if diff := cmp.Diff([]string{"devs", "ops"}, filter.AllowedGroups("member1", []string{"devs", "system:masters", "ops"})); diff != "" {
		t.Errorf("AllowedGroups() before sync mismatch (-want +got):\n%s", diff)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())

	tests := []struct {
		name    string
		cluster string
		groups  []string
		want    []string
	}{
		{
			name:    "entitled groups pass in order",
			cluster: "member1",
			groups:  []string{"system:serviceaccounts:ci", "ops", "devs", "system:serviceaccounts"},
			want:    []string{"system:serviceaccounts:ci", "devs", "system:serviceaccounts"},
		},
		{
			name:    "system:masters never passes",
			cluster: "member1",
			groups:  []string{"system:masters"},
			want:    []string{},
		},
		{
			name:    "another cluster allows nothing",
			cluster: "member2",
			groups:  []string{"devs"},
			want:    []string{},
		},
		{
			name:    "no groups",
			cluster: "member1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, filter.AllowedGroups(tt.cluster, tt.groups)); diff != "" {
				t.Errorf("AllowedGroups() mismatch (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("follows RBAC changes", func(t *testing.T) {
		_, err := kc.RbacV1().ClusterRoleBindings().Create(ctx,
			proxyBinding("ops", "member1-proxy", rbacv1.Subject{Kind: rbacv1.GroupKind, Name: "ops"}), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		err = wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, 5*time.Second, true, func(context.Context) (bool, error) {
			return len(filter.AllowedGroups("member1", []string{"ops"})) == 1, nil
		})
		if err != nil {
			t.Errorf("group ops never allowed after its binding was created: %v", err)
		}
	})
}
