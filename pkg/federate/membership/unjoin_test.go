package membership

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	k8sfake "k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// joined returns fakes in the state a join of member1 leaves, plus the
// impersonator's RBAC that the grant controller adds.
func joined(t *testing.T) (*k8sfake.Clientset, *k8sfake.Clientset, client.Client) {
	t.Helper()
	cp, member, clusters := newControlPlane(true), newMember(true), newClusters(t, -1)
	j := &Joiner{ControlPlane: cp, Clusters: clusters, Member: member, PollInterval: time.Millisecond}
	if _, err := j.Join(context.Background(), JoinOptions{Name: "member1", APIEndpoint: memberEndpoint, CAData: []byte("ca")}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := member.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "karmada-impersonator"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := member.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "karmada-impersonator"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return cp, member, clusters
}

func TestUnjoin(t *testing.T) {
	type state struct {
		cp, member *k8sfake.Clientset
		clusters   client.Client
	}
	tests := []struct {
		name string
		// setup changes the joined state before unjoining.
		setup func(t *testing.T, s state)
		// stored reaches the member with the stored credentials instead of the
		// caller's client.
		stored       bool
		opts         UnjoinOptions
		wantErr      string
		wantProgress string
		// wantMember lists, per resource, what remains in the member.
		wantMember    map[string][]string
		wantClusterCP bool
		// wantOwned checks that what remains in the member is owned by the
		// deleted ClusterRole.
		wantOwned bool
	}{
		{
			name: "with the caller's member client everything goes",
			opts: UnjoinOptions{Wait: time.Second},
			wantProgress: "deleting cluster \"member1\" from the control plane\n" +
				"removing the control plane's access from the member cluster\n" +
				"deleting the credentials and namespace karmada-es-member1 of cluster \"member1\" from the control plane\n",
			wantMember: map[string][]string{"namespaces": {"kube-system"}},
		},
		{
			name:   "with stored credentials the garbage collector finishes",
			stored: true,
			wantProgress: "deleting cluster \"member1\" from the control plane\n" +
				"removing the control plane's access from the member cluster\n" +
				"the member's garbage collector removes what remains of karmada-member1\n" +
				"deleting the credentials and namespace karmada-es-member1 of cluster \"member1\" from the control plane\n",
			// Left to the garbage collector, which the fake does not run.
			wantMember: map[string][]string{
				"namespaces":          {"karmada-cluster", "kube-system"},
				"serviceaccounts":     {"karmada-member1"},
				"secrets":             {"karmada-member1"},
				"clusterrolebindings": {"karmada-member1"},
			},
			wantOwned: true,
		},
		{
			name: "a namespace holding other objects stays",
			setup: func(t *testing.T, s state) {
				cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "karmada-cluster", Name: "app"}}
				if _, err := s.member.CoreV1().ConfigMaps("karmada-cluster").Create(context.Background(), cm, metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
			},
			wantProgress: "deleting cluster \"member1\" from the control plane\n" +
				"removing the control plane's access from the member cluster\n" +
				"keeping namespace karmada-cluster in the member: it holds config map app\n" +
				"deleting the credentials and namespace karmada-es-member1 of cluster \"member1\" from the control plane\n",
			wantMember: map[string][]string{"namespaces": {"karmada-cluster", "kube-system"}},
		},
		{
			name: "the impersonator stays while the member is joined under another name",
			setup: func(t *testing.T, s state) {
				sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "karmada-cluster", Name: "karmada-other"}}
				if _, err := s.member.CoreV1().ServiceAccounts("karmada-cluster").Create(context.Background(), sa, metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
			},
			wantProgress: "deleting cluster \"member1\" from the control plane\n" +
				"removing the control plane's access from the member cluster\n" +
				"keeping karmada-impersonator in the member: it also serves the join of service account karmada-other\n" +
				"keeping namespace karmada-cluster in the member: it holds service account karmada-other\n" +
				"deleting the credentials and namespace karmada-es-member1 of cluster \"member1\" from the control plane\n",
			wantMember: map[string][]string{
				"namespaces":          {"karmada-cluster", "kube-system"},
				"serviceaccounts":     {"karmada-impersonator", "karmada-other"},
				"secrets":             {"karmada-impersonator"},
				"clusterroles":        {"karmada-impersonator"},
				"clusterrolebindings": {"karmada-impersonator"},
			},
		},
		{
			name: "an unregistered cluster without a member client only loses its secrets",
			setup: func(t *testing.T, s state) {
				if err := s.clusters.Delete(context.Background(), existingCluster("member1", "")); err != nil {
					t.Fatal(err)
				}
			},
			stored: true,
			wantProgress: "cluster \"member1\" is not registered; skipping the member cluster, since no credentials for it are known\n" +
				"deleting the credentials and namespace karmada-es-member1 of cluster \"member1\" from the control plane\n",
			wantMember: map[string][]string{
				"namespaces":          {"karmada-cluster", "kube-system"},
				"serviceaccounts":     {"karmada-impersonator", "karmada-member1"},
				"secrets":             {"karmada-impersonator", "karmada-member1"},
				"clusterroles":        {"karmada-impersonator", "karmada-member1"},
				"clusterrolebindings": {"karmada-impersonator", "karmada-member1"},
			},
		},
		{
			name:          "an unreachable member stops the unjoin",
			setup:         func(t *testing.T, s state) { unreachable(s.member) },
			wantErr:       `cannot clean up member cluster "member1": cannot reach member cluster at https://member1.example:6443: connection refused`,
			wantClusterCP: true,
		},
		{
			name:   "force skips an unreachable member",
			setup:  func(t *testing.T, s state) { unreachable(s.member) },
			stored: true,
			opts:   UnjoinOptions{Force: true},
			wantProgress: "warning: skipping the member cluster: cannot reach member cluster at https://member1.example:6443: connection refused\n" +
				"deleting cluster \"member1\" from the control plane\n" +
				"deleting the credentials and namespace karmada-es-member1 of cluster \"member1\" from the control plane\n",
			wantMember: map[string][]string{
				"namespaces":          {"karmada-cluster", "kube-system"},
				"serviceaccounts":     {"karmada-impersonator", "karmada-member1"},
				"secrets":             {"karmada-impersonator", "karmada-member1"},
				"clusterroles":        {"karmada-impersonator", "karmada-member1"},
				"clusterrolebindings": {"karmada-impersonator", "karmada-member1"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cp, member, clusters := joined(t)
			if tt.setup != nil {
				tt.setup(t, state{cp: cp, member: member, clusters: clusters})
			}
			var progress bytes.Buffer
			var gotConfig *rest.Config
			u := &Unjoiner{ControlPlane: cp, Clusters: clusters, Progress: &progress, PollInterval: time.Millisecond}
			if tt.stored {
				u.NewMember = func(cfg *rest.Config) (kubernetes.Interface, error) {
					gotConfig = cfg
					return member, nil
				}
			} else {
				u.Member, u.MemberEndpoint = member, memberEndpoint
			}
			opts := tt.opts
			opts.Name = "member1"

			err := u.Unjoin(context.Background(), opts)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Unjoin() error = %v, want %q", err, tt.wantErr)
				}
				var access *MemberAccessError
				if !errors.As(err, &access) {
					t.Errorf("Unjoin() error %T is not a *MemberAccessError", err)
				}
			} else if err != nil {
				t.Fatalf("Unjoin() error = %v", err)
			}
			if diff := cmp.Diff(tt.wantProgress, progress.String()); diff != "" {
				t.Errorf("progress (-want +got):\n%s", diff)
			}
			if gotConfig != nil && (gotConfig.Host != memberEndpoint || gotConfig.BearerToken != "token-of-karmada-member1" || string(gotConfig.CAData) != "ca") {
				t.Errorf("stored credentials: host %q, token %q, CA %q", gotConfig.Host, gotConfig.BearerToken, gotConfig.CAData)
			}

			_, err = GetCluster(context.Background(), clusters, "member1")
			if gotCluster := !apierrors.IsNotFound(err); gotCluster != tt.wantClusterCP {
				t.Errorf("cluster exists = %v, want %v (err %v)", gotCluster, tt.wantClusterCP, err)
			}
			if tt.wantErr != "" {
				return
			}
			if diff := cmp.Diff([]string{"karmada-cluster"}, names(t, cp, "namespaces", "")); diff != "" {
				t.Errorf("control plane namespaces (-want +got):\n%s", diff)
			}
			if got := names(t, cp, "secrets", "karmada-cluster"); len(got) > 0 {
				t.Errorf("control plane secrets left: %v", got)
			}
			for _, resource := range []string{"namespaces", "serviceaccounts", "secrets", "clusterroles", "clusterrolebindings"} {
				got := names(t, member, resource, "karmada-cluster")
				if diff := cmp.Diff(tt.wantMember[resource], got, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("member %s (-want +got):\n%s", resource, diff)
				}
			}
			if tt.wantOwned {
				checkOwnedByClusterRole(t, member)
			}
		})
	}
}

// checkOwnedByClusterRole checks that what remains is owned by the deleted
// ClusterRole karmada-member1, so the garbage collector removes it.
func checkOwnedByClusterRole(t *testing.T, member *k8sfake.Clientset) {
	t.Helper()
	ctx := context.Background()
	want := []metav1.OwnerReference{{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole", Name: "karmada-member1"}}
	objs := map[string]func() (metav1.Object, error){
		"namespace": func() (metav1.Object, error) {
			return member.CoreV1().Namespaces().Get(ctx, "karmada-cluster", metav1.GetOptions{})
		},
		"service account": func() (metav1.Object, error) {
			return member.CoreV1().ServiceAccounts("karmada-cluster").Get(ctx, "karmada-member1", metav1.GetOptions{})
		},
		"secret": func() (metav1.Object, error) {
			return member.CoreV1().Secrets("karmada-cluster").Get(ctx, "karmada-member1", metav1.GetOptions{})
		},
		"cluster role binding": func() (metav1.Object, error) {
			return member.RbacV1().ClusterRoleBindings().Get(ctx, "karmada-member1", metav1.GetOptions{})
		},
	}
	for what, get := range objs {
		obj, err := get()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, obj.GetOwnerReferences()); diff != "" {
			t.Errorf("owners of the %s (-want +got):\n%s", what, diff)
		}
	}
}

func TestUnjoinWithoutClusterAPI(t *testing.T) {
	u := &Unjoiner{ControlPlane: newControlPlane(false), Clusters: newClusters(t, -1), Member: newMember(true)}
	err := u.Unjoin(context.Background(), UnjoinOptions{Name: "member1"})
	if !errors.Is(err, ErrAPINotServed) {
		t.Fatalf("Unjoin() error = %v, want ErrAPINotServed", err)
	}
}
