package proxygrants

import (
	"cmp"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apiserver/pkg/authentication/serviceaccount"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
)

// MastersGroup is never impersonable: a member's impersonator must not be able to
// become an unrestricted superuser, whatever the control plane's RBAC says.
const MastersGroup = "system:masters"

// proxyResources are the rule resources that cover clusters/proxy. Kubernetes RBAC
// also honours "*/proxy"; "clusters/*" is not an RBAC wildcard but is accepted so
// that a rule written with that intent is not silently ignored.
var proxyResources = []string{
	rbacv1.ResourceAll,
	clusterv1alpha1.ResourcePluralCluster + "/" + clusterv1alpha1.ClusterProxySubresource,
	clusterv1alpha1.ResourcePluralCluster + "/*",
	"*/" + clusterv1alpha1.ClusterProxySubresource,
}

// RuleGrantsProxy reports whether rule grants some verb on clusters/proxy of the
// named cluster.
func RuleGrantsProxy(rule rbacv1.PolicyRule, cluster string) bool {
	if len(rule.Verbs) == 0 {
		return false
	}
	if !slices.Contains(rule.APIGroups, clusterv1alpha1.GroupName) && !slices.Contains(rule.APIGroups, rbacv1.APIGroupAll) {
		return false
	}
	if !slices.ContainsFunc(rule.Resources, func(r string) bool { return slices.Contains(proxyResources, r) }) {
		return false
	}
	return len(rule.ResourceNames) == 0 || slices.Contains(rule.ResourceNames, cluster)
}

// RoleGrantsProxy reports whether any rule of role grants clusters/proxy of the
// named cluster.
func RoleGrantsProxy(role *rbacv1.ClusterRole, cluster string) bool {
	return slices.ContainsFunc(role.Rules, func(r rbacv1.PolicyRule) bool { return RuleGrantsProxy(r, cluster) })
}

// ServiceAccount names a ServiceAccount subject.
type ServiceAccount struct {
	Namespace string
	Name      string
}

// Principals are the subjects entitled to one cluster's proxy. Each list is sorted
// and free of duplicates.
type Principals struct {
	Users           []string
	Groups          []string
	ServiceAccounts []ServiceAccount
}

// Empty reports whether nobody is entitled.
func (p Principals) Empty() bool {
	return len(p.Users) == 0 && len(p.Groups) == 0 && len(p.ServiceAccounts) == 0
}

// ImpersonableUsers are the user names the impersonator may take on: the users,
// and the user names of the ServiceAccounts.
func (p Principals) ImpersonableUsers() []string {
	users := sets.New(p.Users...)
	for _, sa := range p.ServiceAccounts {
		users.Insert(serviceaccount.MakeUsername(sa.Namespace, sa.Name))
	}
	return sorted(users)
}

// ImpersonableGroups are the groups the impersonator may take on: the groups
// (never system:masters), and the groups every ServiceAccount subject belongs to.
func (p Principals) ImpersonableGroups() []string {
	groups := sets.New(p.Groups...)
	for _, sa := range p.ServiceAccounts {
		groups.Insert(serviceaccount.AllServiceAccountsGroup, serviceaccount.MakeNamespaceGroupName(sa.Namespace))
	}
	groups.Delete(MastersGroup)
	return sorted(groups)
}

// ServiceAccountNames are the names of the ServiceAccount subjects, whatever their
// namespace: a ClusterRole cannot scope a resource name to a namespace.
func (p Principals) ServiceAccountNames() []string {
	names := sets.New[string]()
	for _, sa := range p.ServiceAccounts {
		names.Insert(sa.Name)
	}
	return sorted(names)
}

// ForCluster returns the subjects of the ClusterRoleBindings whose ClusterRole grants
// clusters/proxy of the named cluster. RoleBindings are not considered: they cannot
// grant access to cluster-scoped resources.
func ForCluster(cluster string, roles []*rbacv1.ClusterRole, bindings []*rbacv1.ClusterRoleBinding) Principals {
	granting := sets.New[string]()
	for _, role := range roles {
		if RoleGrantsProxy(role, cluster) {
			granting.Insert(role.Name)
		}
	}
	users, groups := sets.New[string](), sets.New[string]()
	sas := sets.New[ServiceAccount]()
	for _, b := range bindings {
		if b.RoleRef.Kind != "ClusterRole" || !granting.Has(b.RoleRef.Name) {
			continue
		}
		for _, s := range b.Subjects {
			switch s.Kind {
			case rbacv1.UserKind:
				// RBAC matches a User subject against the authenticated name, so a
				// ServiceAccount's user name stands for the ServiceAccount.
				if ns, name, err := serviceaccount.SplitUsername(s.Name); err == nil {
					sas.Insert(ServiceAccount{Namespace: ns, Name: name})
					continue
				}
				users.Insert(s.Name)
			case rbacv1.GroupKind:
				groups.Insert(s.Name)
			case rbacv1.ServiceAccountKind:
				if s.Namespace != "" {
					sas.Insert(ServiceAccount{Namespace: s.Namespace, Name: s.Name})
				}
			}
		}
	}
	p := Principals{Users: sorted(users), Groups: sorted(groups)}
	for sa := range sas {
		p.ServiceAccounts = append(p.ServiceAccounts, sa)
	}
	slices.SortFunc(p.ServiceAccounts, compareServiceAccounts)
	return p
}

func compareServiceAccounts(a, b ServiceAccount) int {
	return cmp.Or(strings.Compare(a.Namespace, b.Namespace), strings.Compare(a.Name, b.Name))
}

// sorted lists a set in order, nil when empty, so that empty principals compare equal.
func sorted(s sets.Set[string]) []string {
	if s.Len() == 0 {
		return nil
	}
	return sets.List(s)
}

// ImpersonableExtras are the user extras the proxy forwards and the impersonator may
// impersonate: those Kubernetes itself sets (credential ids, and the pod and node of
// bound ServiceAccount tokens). RBAC cannot grant every extra key with a wildcard,
// so other extras are dropped rather than failing the whole request.
var ImpersonableExtras = []string{
	"authentication.kubernetes.io/credential-id",
	"authentication.kubernetes.io/node-name",
	"authentication.kubernetes.io/node-uid",
	"authentication.kubernetes.io/pod-name",
	"authentication.kubernetes.io/pod-uid",
}
