package membership

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8sfake "k8s.io/client-go/kubernetes/fake"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
)

func TestJoin(t *testing.T) {
	base := JoinOptions{
		Name:        "member1",
		APIEndpoint: memberEndpoint,
		CAData:      []byte("member-ca"),
		Provider:    "aws",
		Region:      "us-east-1",
		Zones:       []string{"us-east-1a", "us-east-1b"},
		Labels:      map[string]string{"env": "prod"},
	}
	wantSpec := clusterv1alpha1.ClusterSpec{
		ID:                    string(memberUID),
		SyncMode:              clusterv1alpha1.Push,
		APIEndpoint:           memberEndpoint,
		SecretRef:             &clusterv1alpha1.LocalSecretReference{Namespace: "karmada-cluster", Name: "member1"},
		ImpersonatorSecretRef: &clusterv1alpha1.LocalSecretReference{Namespace: "karmada-cluster", Name: "member1-impersonator"},
		Provider:              "aws",
		Region:                "us-east-1",
		Zone:                  "us-east-1a",
		Zones:                 []string{"us-east-1a", "us-east-1b"},
	}
	tests := []struct {
		name       string
		opts       func(*JoinOptions)
		existing   []client.Object
		cpObjects  []runtime.Object
		notServed  bool
		unreach    bool
		noTokens   bool
		readyAfter int
		wantErr    string
		wantErrAs  any
		// wantSpec and wantLabels describe the Cluster after a successful join.
		wantSpec     clusterv1alpha1.ClusterSpec
		wantLabels   map[string]string
		wantProgress string
	}{
		{
			name:       "registers a new member on both sides",
			readyAfter: -1,
			wantSpec:   wantSpec,
			wantLabels: map[string]string{"env": "prod"},
			wantProgress: "granting the control plane access to the member at https://member1.example:6443\n" +
				"registering cluster \"member1\" on the control plane\n",
		},
		{
			name: "rejoining the same endpoint keeps the id and merges labels",
			opts: func(o *JoinOptions) {
				o.APIEndpoint += "/"
				o.Provider, o.Zones = "", nil
			},
			existing: []client.Object{existingCluster("member1", memberEndpoint)},
			// A stale secret is brought up to date.
			cpObjects: []runtime.Object{&corev1.Secret{
				ObjectMeta: metav1.ObjectMeta{Namespace: "karmada-cluster", Name: "member1"},
				Data:       map[string][]byte{"token": []byte("stale")},
			}},
			readyAfter: -1,
			wantSpec: func() clusterv1alpha1.ClusterSpec {
				s := *wantSpec.DeepCopy()
				s.ID, s.APIEndpoint, s.Provider, s.Zone, s.Zones = "original-id", memberEndpoint+"/", "old-provider", "", nil
				return s
			}(),
			wantLabels: map[string]string{"env": "prod", "team": "a"},
		},
		{
			name:      "a name taken by another endpoint fails before touching the member",
			existing:  []client.Object{existingCluster("member1", "https://other:6443")},
			wantErr:   `cluster "member1" already exists with endpoint https://other:6443; unjoin it first or choose another name`,
			wantErrAs: new(*ConflictError),
		},
		{
			name:      "a control plane without the Cluster API",
			notServed: true,
			wantErr:   "the control plane does not serve cluster.karmada.io/v1alpha1; is the proxy registered?",
		},
		{
			name:      "an unreachable member",
			unreach:   true,
			wantErr:   "cannot reach member cluster at https://member1.example:6443: connection refused",
			wantErrAs: new(*UnreachableError),
		},
		{
			name:     "a member without a token controller",
			noTokens: true,
			wantErr:  "the member's token controller did not fill secret karmada-cluster/karmada-member1 within 50ms; is kube-controller-manager running there?",
		},
		{
			name:       "waits until the cluster is Ready",
			opts:       func(o *JoinOptions) { o.Wait = time.Second },
			readyAfter: 3,
			wantSpec:   wantSpec,
			wantLabels: map[string]string{"env": "prod"},
			wantProgress: "granting the control plane access to the member at https://member1.example:6443\n" +
				"registering cluster \"member1\" on the control plane\n" +
				"waiting for cluster \"member1\" to become Ready: Ready=False (Probing): not yet\n",
		},
		{
			name:       "gives up waiting for Ready",
			opts:       func(o *JoinOptions) { o.Wait = 30 * time.Millisecond },
			readyAfter: 1 << 30,
			wantErr: `timed out after 30ms waiting for cluster "member1" to become Ready (last: Ready=False (Probing): not yet); ` +
				"check the cluster status controller and the member's reachability from the control plane, or wait longer",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := base
			if tt.opts != nil {
				tt.opts(&o)
			}
			cp := newControlPlane(!tt.notServed, tt.cpObjects...)
			member := newMember(!tt.noTokens)
			if tt.unreach {
				unreachable(member)
			}
			clusters := newClusters(t, tt.readyAfter, tt.existing...)
			var progress bytes.Buffer
			j := &Joiner{ControlPlane: cp, Clusters: clusters, Member: member, Progress: &progress,
				PollInterval: time.Millisecond, TokenTimeout: 50 * time.Millisecond}

			_, err := j.Join(context.Background(), o)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Join() error = %v, want %q", err, tt.wantErr)
				}
				if tt.wantErrAs != nil && !errors.As(err, tt.wantErrAs) {
					t.Errorf("Join() error %T does not match %T", err, tt.wantErrAs)
				}
				if tt.wantErrAs != nil {
					// Preflight failures leave the member untouched.
					if got := names(t, member, "namespaces", ""); !cmp.Equal(got, []string{"kube-system"}) {
						t.Errorf("member namespaces = %v, want only kube-system", got)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Join() error = %v", err)
			}
			if tt.wantProgress != "" {
				if diff := cmp.Diff(tt.wantProgress, progress.String()); diff != "" {
					t.Errorf("progress (-want +got):\n%s", diff)
				}
			}
			got, err := GetCluster(context.Background(), clusters, "member1")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantSpec, got.Spec); diff != "" {
				t.Errorf("cluster spec (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantLabels, got.Labels); diff != "" {
				t.Errorf("cluster labels (-want +got):\n%s", diff)
			}
			checkJoinedMember(t, member)
			checkJoinedControlPlane(t, cp)
		})
	}
}

func checkJoinedMember(t *testing.T, member *k8sfake.Clientset) {
	t.Helper()
	ctx := context.Background()
	if diff := cmp.Diff([]string{"karmada-cluster", "kube-system"}, names(t, member, "namespaces", "")); diff != "" {
		t.Errorf("member namespaces (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"karmada-impersonator", "karmada-member1"}, names(t, member, "serviceaccounts", "karmada-cluster")); diff != "" {
		t.Errorf("member service accounts (-want +got):\n%s", diff)
	}
	// The impersonator gets no rights from join.
	if diff := cmp.Diff([]string{"karmada-member1"}, names(t, member, "clusterroles", "")); diff != "" {
		t.Errorf("member cluster roles (-want +got):\n%s", diff)
	}
	role, err := member.RbacV1().ClusterRoles().Get(ctx, "karmada-member1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantRules := []rbacv1.PolicyRule{
		{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}},
		{NonResourceURLs: []string{"*"}, Verbs: []string{"*"}},
	}
	if diff := cmp.Diff(wantRules, role.Rules); diff != "" {
		t.Errorf("cluster role rules (-want +got):\n%s", diff)
	}
	binding, err := member.RbacV1().ClusterRoleBindings().Get(ctx, "karmada-member1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantBinding := rbacv1.ClusterRoleBinding{
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "karmada-member1"},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Namespace: "karmada-cluster", Name: "karmada-member1"}},
	}
	if diff := cmp.Diff(wantBinding, *binding, cmpopts.IgnoreFields(rbacv1.ClusterRoleBinding{}, "TypeMeta", "ObjectMeta")); diff != "" {
		t.Errorf("cluster role binding (-want +got):\n%s", diff)
	}
	for _, sa := range []string{"karmada-member1", "karmada-impersonator"} {
		s, err := member.CoreV1().Secrets("karmada-cluster").Get(ctx, sa, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if s.Type != corev1.SecretTypeServiceAccountToken || s.Annotations["kubernetes.io/service-account.name"] != sa {
			t.Errorf("secret %s: type %s, annotations %v; want a token of %s", sa, s.Type, s.Annotations, sa)
		}
	}
}

func checkJoinedControlPlane(t *testing.T, cp *k8sfake.Clientset) {
	t.Helper()
	if diff := cmp.Diff([]string{"karmada-cluster", "karmada-es-member1"}, names(t, cp, "namespaces", "")); diff != "" {
		t.Errorf("control plane namespaces (-want +got):\n%s", diff)
	}
	want := map[string]map[string]string{
		"member1":              {"token": "token-of-karmada-member1", "caBundle": "member-ca"},
		"member1-impersonator": {"token": "token-of-karmada-impersonator", "caBundle": "member-ca"},
	}
	got := map[string]map[string]string{}
	for _, name := range names(t, cp, "secrets", "karmada-cluster") {
		s, err := cp.CoreV1().Secrets("karmada-cluster").Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got[name] = map[string]string{}
		for k, v := range s.Data {
			got[name][k] = string(v)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("control plane secrets (-want +got):\n%s", diff)
	}
}

func TestSameEndpoint(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"https://a:6443", "https://a:6443/", true},
		{"a:6443", "https://A:6443", true},
		{"https://a:6443", "https://b:6443", false},
		{"http://a:6443", "https://a:6443", false},
	}
	for _, tt := range tests {
		t.Run(strings.Join([]string{tt.a, tt.b}, " vs "), func(t *testing.T) {
			if got := sameEndpoint(tt.a, tt.b); got != tt.want {
				t.Errorf("sameEndpoint(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}
