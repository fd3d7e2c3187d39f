package unifiedauth

import (
	"context"
	"fmt"
	"maps"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/fleetplane/fleetplane/pkg/auth/proxygrants"
)

// Names of the impersonator's objects on a member, as `kubectl karmada join` creates
// the ServiceAccount whose token the proxy uses.
const (
	ImpersonatorNamespace = "karmada-cluster"
	ImpersonatorName      = "karmada-impersonator"
)

// managedBy labels the objects this package writes on members.
var managedBy = map[string]string{"app.kubernetes.io/managed-by": "fleetplane-unified-auth"}

// ImpersonationRules are the rules of the impersonator's ClusterRole for the given
// principals: impersonate the users, groups and ServiceAccounts entitled to the
// proxy, with any uid and extra. Without principals there are no rules at all.
func ImpersonationRules(p proxygrants.Principals) []rbacv1.PolicyRule {
	var rules []rbacv1.PolicyRule
	add := func(resource string, names []string) {
		if len(names) > 0 {
			rules = append(rules, rbacv1.PolicyRule{
				APIGroups: []string{""}, Resources: []string{resource}, Verbs: []string{"impersonate"}, ResourceNames: names,
			})
		}
	}
	add("users", p.ImpersonableUsers())
	add("groups", p.ImpersonableGroups())
	add("serviceaccounts", p.ServiceAccountNames())
	if len(rules) > 0 {
		rules = append(rules, rbacv1.PolicyRule{
			APIGroups: []string{"authentication.k8s.io"}, Resources: extraResources(), Verbs: []string{"impersonate"},
		})
	}
	return rules
}

// ensureImpersonator makes the member's namespace, ServiceAccount, ClusterRole and
// ClusterRoleBinding match rules, writing only what differs. It returns the kinds it
// changed.
func ensureImpersonator(ctx context.Context, kc kubernetes.Interface, rules []rbacv1.PolicyRule) ([]string, error) {
	var changed []string
	steps := []struct {
		kind   string
		ensure func(context.Context, kubernetes.Interface) (bool, error)
	}{
		{"Namespace", ensureNamespace},
		{"ServiceAccount", ensureServiceAccount},
		{"ClusterRole", func(ctx context.Context, kc kubernetes.Interface) (bool, error) {
			return ensureClusterRole(ctx, kc, rules)
		}},
		{"ClusterRoleBinding", ensureClusterRoleBinding},
	}
	for _, s := range steps {
		did, err := s.ensure(ctx, kc)
		if err != nil {
			return changed, fmt.Errorf("%s %s: %w", s.kind, ImpersonatorName, err)
		}
		if did {
			changed = append(changed, s.kind)
		}
	}
	return changed, nil
}

func ensureNamespace(ctx context.Context, kc kubernetes.Interface) (bool, error) {
	_, err := kc.CoreV1().Namespaces().Get(ctx, ImpersonatorNamespace, metav1.GetOptions{})
	if !apierrors.IsNotFound(err) {
		return false, err
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ImpersonatorNamespace}}
	_, err = kc.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
	return err == nil, ignoreExists(err)
}

func ensureServiceAccount(ctx context.Context, kc kubernetes.Interface) (bool, error) {
	_, err := kc.CoreV1().ServiceAccounts(ImpersonatorNamespace).Get(ctx, ImpersonatorName, metav1.GetOptions{})
	if !apierrors.IsNotFound(err) {
		return false, err
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{
		Namespace: ImpersonatorNamespace, Name: ImpersonatorName, Labels: maps.Clone(managedBy),
	}}
	_, err = kc.CoreV1().ServiceAccounts(ImpersonatorNamespace).Create(ctx, sa, metav1.CreateOptions{})
	return err == nil, ignoreExists(err)
}

// ensureClusterRole enforces the exact rules: rules added by hand, or an aggregation
// rule that would let others add some, are removed.
func ensureClusterRole(ctx context.Context, kc kubernetes.Interface, rules []rbacv1.PolicyRule) (bool, error) {
	roles := kc.RbacV1().ClusterRoles()
	cur, err := roles.Get(ctx, ImpersonatorName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		want := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: ImpersonatorName, Labels: maps.Clone(managedBy)}, Rules: rules}
		_, err = roles.Create(ctx, want, metav1.CreateOptions{})
		return err == nil, err
	}
	if err != nil {
		return false, err
	}
	if apiequality.Semantic.DeepEqual(cur.Rules, rules) && cur.AggregationRule == nil && hasLabels(cur.Labels) {
		return false, nil
	}
	cur = cur.DeepCopy()
	cur.Rules, cur.AggregationRule = rules, nil
	cur.Labels = withLabels(cur.Labels)
	_, err = roles.Update(ctx, cur, metav1.UpdateOptions{})
	return err == nil, err
}

func ensureClusterRoleBinding(ctx context.Context, kc kubernetes.Interface) (bool, error) {
	bindings := kc.RbacV1().ClusterRoleBindings()
	want := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: ImpersonatorName, Labels: maps.Clone(managedBy)},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: ImpersonatorName},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: ImpersonatorNamespace, Name: ImpersonatorName}},
	}
	cur, err := bindings.Get(ctx, ImpersonatorName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = bindings.Create(ctx, want, metav1.CreateOptions{})
		return err == nil, err
	}
	if err != nil {
		return false, err
	}
	if cur.RoleRef != want.RoleRef {
		// roleRef is immutable.
		if err := bindings.Delete(ctx, ImpersonatorName, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return false, err
		}
		_, err = bindings.Create(ctx, want, metav1.CreateOptions{})
		return err == nil, err
	}
	if apiequality.Semantic.DeepEqual(cur.Subjects, want.Subjects) && hasLabels(cur.Labels) {
		return false, nil
	}
	cur = cur.DeepCopy()
	cur.Subjects = want.Subjects
	cur.Labels = withLabels(cur.Labels)
	_, err = bindings.Update(ctx, cur, metav1.UpdateOptions{})
	return err == nil, err
}

func hasLabels(labels map[string]string) bool {
	for k, v := range managedBy {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func withLabels(labels map[string]string) map[string]string {
	out := maps.Clone(labels)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, managedBy)
	return out
}

func ignoreExists(err error) error {
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// extraResources are the RBAC resources that let the impersonator impersonate the
// forwarded extras (one "userextras/<key>" each) and UIDs.
func extraResources() []string {
	out := make([]string, 0, len(proxygrants.ImpersonableExtras)+1)
	for _, k := range proxygrants.ImpersonableExtras {
		out = append(out, "userextras/"+k)
	}
	return append(out, "uids")
}
