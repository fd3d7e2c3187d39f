package unifiedauth

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/fleetplane/fleetplane/pkg/auth/proxygrants"
)

func TestImpersonationRules(t *testing.T) {
	extras := rbacv1.PolicyRule{APIGroups: []string{"authentication.k8s.io"}, Resources: extraResources(), Verbs: []string{"impersonate"}}
	impersonate := func(resource string, names ...string) rbacv1.PolicyRule {
		return rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{resource}, Verbs: []string{"impersonate"}, ResourceNames: names}
	}
	tests := []struct {
		name       string
		principals proxygrants.Principals
		want       []rbacv1.PolicyRule
	}{
		{
			name: "nobody entitled, no rules",
		},
		{
			name:       "only system:masters, no rules",
			principals: proxygrants.Principals{Groups: []string{proxygrants.MastersGroup}},
		},
		{
			name:       "users and groups",
			principals: proxygrants.Principals{Users: []string{"alice", "bob"}, Groups: []string{"devs", proxygrants.MastersGroup}},
			want:       []rbacv1.PolicyRule{impersonate("users", "alice", "bob"), impersonate("groups", "devs"), extras},
		},
		{
			name: "service accounts",
			principals: proxygrants.Principals{ServiceAccounts: []proxygrants.ServiceAccount{
				{Namespace: "ci", Name: "deployer"}, {Namespace: "tools", Name: "deployer"},
			}},
			want: []rbacv1.PolicyRule{
				impersonate("users", "system:serviceaccount:ci:deployer", "system:serviceaccount:tools:deployer"),
				impersonate("groups", "system:serviceaccounts", "system:serviceaccounts:ci", "system:serviceaccounts:tools"),
				impersonate("serviceaccounts", "deployer"),
				extras,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ImpersonationRules(tt.principals)); diff != "" {
				t.Errorf("ImpersonationRules() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
