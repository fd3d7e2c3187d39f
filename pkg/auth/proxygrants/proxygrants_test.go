package proxygrants

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestRuleGrantsProxy(t *testing.T) {
	tests := []struct {
		name string
		rule rbacv1.PolicyRule
		want bool
	}{
		{
			name: "exact subresource",
			rule: rbacv1.PolicyRule{APIGroups: []string{"cluster.karmada.io"}, Resources: []string{"clusters/proxy"}, Verbs: []string{"get"}},
			want: true,
		},
		{
			name: "all groups, all resources, all verbs",
			rule: rbacv1.PolicyRule{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}},
			want: true,
		},
		{
			name: "clusters/* accepted",
			rule: rbacv1.PolicyRule{APIGroups: []string{"cluster.karmada.io"}, Resources: []string{"clusters/*"}, Verbs: []string{"create"}},
			want: true,
		},
		{
			name: "*/proxy honoured as RBAC does",
			rule: rbacv1.PolicyRule{APIGroups: []string{"cluster.karmada.io"}, Resources: []string{"*/proxy"}, Verbs: []string{"get"}},
			want: true,
		},
		{
			name: "resourceNames naming the cluster",
			rule: rbacv1.PolicyRule{APIGroups: []string{"cluster.karmada.io"}, Resources: []string{"clusters/proxy"}, Verbs: []string{"get"}, ResourceNames: []string{"other", "member1"}},
			want: true,
		},
		{
			name: "resourceNames naming another cluster",
			rule: rbacv1.PolicyRule{APIGroups: []string{"cluster.karmada.io"}, Resources: []string{"clusters/proxy"}, Verbs: []string{"get"}, ResourceNames: []string{"member2"}},
			want: false,
		},
		{
			name: "no verbs",
			rule: rbacv1.PolicyRule{APIGroups: []string{"cluster.karmada.io"}, Resources: []string{"clusters/proxy"}},
			want: false,
		},
		{
			name: "clusters without the subresource",
			rule: rbacv1.PolicyRule{APIGroups: []string{"cluster.karmada.io"}, Resources: []string{"clusters", "clusters/status"}, Verbs: []string{"*"}},
			want: false,
		},
		{
			name: "another group",
			rule: rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"clusters/proxy"}, Verbs: []string{"get"}},
			want: false,
		},
		{
			name: "non-resource rule",
			rule: rbacv1.PolicyRule{NonResourceURLs: []string{"*"}, Verbs: []string{"get"}},
			want: false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RuleGrantsProxy(tt.rule, "member1"); got != tt.want {
				t.Errorf("RuleGrantsProxy() = %t, want %t", got, tt.want)
			}
		})
	}
}

func clusterRole(name string, rules ...rbacv1.PolicyRule) *rbacv1.ClusterRole {
	return &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules}
}

func binding(name, role string, subjects ...rbacv1.Subject) *rbacv1.ClusterRoleBinding {
	return &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
		Subjects:   subjects,
	}
}

func user(name string) rbacv1.Subject  { return rbacv1.Subject{Kind: rbacv1.UserKind, Name: name} }
func group(name string) rbacv1.Subject { return rbacv1.Subject{Kind: rbacv1.GroupKind, Name: name} }
func sa(ns, name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: name}
}

var (
	proxyAll = rbacv1.PolicyRule{APIGroups: []string{"cluster.karmada.io"}, Resources: []string{"clusters/proxy"}, Verbs: []string{"*"}}
	proxyM1  = rbacv1.PolicyRule{APIGroups: []string{"cluster.karmada.io"}, Resources: []string{"clusters/proxy"}, Verbs: []string{"get"}, ResourceNames: []string{"member1"}}
	readPods = rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get"}}
)

func TestForCluster(t *testing.T) {
	tests := []struct {
		name     string
		cluster  string
		roles    []*rbacv1.ClusterRole
		bindings []*rbacv1.ClusterRoleBinding
		want     Principals
	}{
		{
			name:     "nobody",
			cluster:  "member1",
			roles:    []*rbacv1.ClusterRole{clusterRole("view", readPods)},
			bindings: []*rbacv1.ClusterRoleBinding{binding("view", "view", user("alice"))},
			want:     Principals{},
		},
		{
			name:    "users, groups and service accounts, sorted and deduplicated",
			cluster: "member1",
			roles:   []*rbacv1.ClusterRole{clusterRole("proxy", readPods, proxyAll), clusterRole("proxy-m1", proxyM1)},
			bindings: []*rbacv1.ClusterRoleBinding{
				binding("a", "proxy", user("bob"), group("devs"), sa("ns2", "ci")),
				binding("b", "proxy-m1", user("alice"), user("bob"), sa("ns1", "ci"), sa("ns1", "ci")),
				binding("c", "proxy", user("system:serviceaccount:ns1:deployer")),
			},
			want: Principals{
				Users:  []string{"alice", "bob"},
				Groups: []string{"devs"},
				ServiceAccounts: []ServiceAccount{
					{Namespace: "ns1", Name: "ci"}, {Namespace: "ns1", Name: "deployer"}, {Namespace: "ns2", Name: "ci"},
				},
			},
		},
		{
			name:     "role scoped to another cluster",
			cluster:  "member2",
			roles:    []*rbacv1.ClusterRole{clusterRole("proxy-m1", proxyM1)},
			bindings: []*rbacv1.ClusterRoleBinding{binding("b", "proxy-m1", user("alice"))},
			want:     Principals{},
		},
		{
			name:     "binding to a missing role",
			cluster:  "member1",
			bindings: []*rbacv1.ClusterRoleBinding{binding("b", "gone", user("alice"))},
			want:     Principals{},
		},
		{
			name:     "service account without namespace is ignored",
			cluster:  "member1",
			roles:    []*rbacv1.ClusterRole{clusterRole("proxy", proxyAll)},
			bindings: []*rbacv1.ClusterRoleBinding{binding("b", "proxy", sa("", "ci"))},
			want:     Principals{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ForCluster(tt.cluster, tt.roles, tt.bindings)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ForCluster() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestImpersonable(t *testing.T) {
	tests := []struct {
		name       string
		principals Principals
		wantUsers  []string
		wantGroups []string
		wantSAs    []string
	}{
		{
			name: "empty",
		},
		{
			name: "system:masters is never impersonable",
			principals: Principals{
				Users:  []string{"alice"},
				Groups: []string{"devs", MastersGroup},
			},
			wantUsers:  []string{"alice"},
			wantGroups: []string{"devs"},
		},
		{
			name: "service accounts bring their user names and groups",
			principals: Principals{
				Users:           []string{"alice"},
				ServiceAccounts: []ServiceAccount{{Namespace: "ns1", Name: "ci"}, {Namespace: "ns2", Name: "ci"}},
			},
			wantUsers:  []string{"alice", "system:serviceaccount:ns1:ci", "system:serviceaccount:ns2:ci"},
			wantGroups: []string{"system:serviceaccounts", "system:serviceaccounts:ns1", "system:serviceaccounts:ns2"},
			wantSAs:    []string{"ci"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.wantUsers, tt.principals.ImpersonableUsers()); diff != "" {
				t.Errorf("ImpersonableUsers() mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantGroups, tt.principals.ImpersonableGroups()); diff != "" {
				t.Errorf("ImpersonableGroups() mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantSAs, tt.principals.ServiceAccountNames()); diff != "" {
				t.Errorf("ServiceAccountNames() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
