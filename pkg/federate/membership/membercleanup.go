package membership

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// memberCleanup removes what join created in a member cluster.
//
// When the client authenticates as the very ServiceAccount being removed (unjoin
// without a member kubeconfig), deleting any one of its ServiceAccount, token Secret,
// ClusterRole or ClusterRoleBinding revokes the client's access. So it first makes
// the ClusterRole the owner of the others and then deletes only the ClusterRole: the
// member's garbage collector removes the rest.
type memberCleanup struct {
	client          kubernetes.Interface
	selfCredentials bool
}

// memberCleanupResult says what the cleanup left to others.
type memberCleanupResult struct {
	// keptNamespaceFor names an object join did not create, when MemberNamespace
	// holds one and therefore stays.
	keptNamespaceFor string
	// handedToGC is set when the member's garbage collector finishes the work.
	handedToGC bool
	// impersonatorKeptFor names the controller ServiceAccount of another join of
	// the same member, for which the impersonator's objects stay.
	impersonatorKeptFor string
}

func (m *memberCleanup) run(ctx context.Context, cluster string) (memberCleanupResult, error) {
	var res memberCleanupResult
	sa := ControllerServiceAccount(cluster)
	core, rbac := m.client.CoreV1(), m.client.RbacV1()

	// The impersonator's objects never carry the client's own rights. They are
	// shared by every name the member is joined under, so they stay while another
	// join remains.
	steps := []struct {
		what string
		del  func(context.Context, string, metav1.DeleteOptions) error
	}{
		{"cluster role binding", rbac.ClusterRoleBindings().Delete},
		{"cluster role", rbac.ClusterRoles().Delete},
		{"secret", core.Secrets(MemberNamespace).Delete},
		{"service account", core.ServiceAccounts(MemberNamespace).Delete},
	}
	other, err := m.otherJoin(ctx, sa)
	if err != nil {
		return res, err
	}
	res.impersonatorKeptFor = other
	if other == "" {
		for _, s := range steps {
			if err := ignoreNotFound(s.del(ctx, ImpersonatorServiceAccount, metav1.DeleteOptions{})); err != nil {
				return res, wrapMember(err, "deleting %s %s", s.what, ImpersonatorServiceAccount)
			}
		}
	}

	foreign, err := m.foreignObject(ctx, sa)
	if err != nil {
		return res, err
	}
	res.keptNamespaceFor = foreign

	if m.selfCredentials {
		role, err := rbac.ClusterRoles().Get(ctx, sa, metav1.GetOptions{})
		switch {
		case err == nil:
			res.handedToGC = true
			return res, m.handOver(ctx, role, res.keptNamespaceFor == "")
		case !apierrors.IsNotFound(err):
			return res, wrapMember(err, "reading cluster role %s", sa)
		}
		// Without the ClusterRole the client has no rights left to lose.
	}
	for _, s := range steps {
		if err := ignoreNotFound(s.del(ctx, sa, metav1.DeleteOptions{})); err != nil {
			return res, wrapMember(err, "deleting %s %s", s.what, sa)
		}
	}
	if res.keptNamespaceFor == "" {
		if err := ignoreNotFound(core.Namespaces().Delete(ctx, MemberNamespace, metav1.DeleteOptions{})); err != nil {
			return res, wrapMember(err, "deleting namespace %s", MemberNamespace)
		}
	}
	return res, nil
}

// handOver makes role the owner of the binding, ServiceAccount, token Secret and, if
// withNamespace, the namespace of the same cluster, then deletes role so that the
// garbage collector removes them all.
func (m *memberCleanup) handOver(ctx context.Context, role *rbacv1.ClusterRole, withNamespace bool) error {
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"ownerReferences": []metav1.OwnerReference{{
		APIVersion: rbacv1.SchemeGroupVersion.String(),
		Kind:       "ClusterRole",
		Name:       role.Name,
		UID:        role.UID,
	}}}})
	if err != nil {
		return err
	}
	core, rbac := m.client.CoreV1(), m.client.RbacV1()
	name := role.Name
	dependents := []struct {
		what  string
		patch func(context.Context, string, types.PatchType, []byte, metav1.PatchOptions, ...string) error
	}{
		{"cluster role binding " + name, patchFunc(rbac.ClusterRoleBindings().Patch)},
		{"secret " + name, patchFunc(core.Secrets(MemberNamespace).Patch)},
		{"service account " + name, patchFunc(core.ServiceAccounts(MemberNamespace).Patch)},
	}
	for _, d := range dependents {
		if err := ignoreNotFound(d.patch(ctx, name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})); err != nil {
			return wrapMember(err, "handing %s over to the garbage collector", d.what)
		}
	}
	if withNamespace {
		_, err := core.Namespaces().Patch(ctx, MemberNamespace, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
		if err := ignoreNotFound(err); err != nil {
			return wrapMember(err, "handing namespace %s over to the garbage collector", MemberNamespace)
		}
	}
	background := metav1.DeletePropagationBackground
	err = rbac.ClusterRoles().Delete(ctx, name, metav1.DeleteOptions{
		PropagationPolicy: &background,
		Preconditions:     &metav1.Preconditions{UID: &role.UID},
	})
	return wrapMember(ignoreNotFound(err), "deleting cluster role %s", name)
}

// patchFunc drops the object a typed Patch returns.
func patchFunc[T any](f func(context.Context, string, types.PatchType, []byte, metav1.PatchOptions, ...string) (T, error)) func(context.Context, string, types.PatchType, []byte, metav1.PatchOptions, ...string) error {
	return func(ctx context.Context, name string, pt types.PatchType, data []byte, opts metav1.PatchOptions, sub ...string) error {
		_, err := f(ctx, name, pt, data, opts, sub...)
		return err
	}
}

// otherJoin returns the name of a controller ServiceAccount, other than sa, that
// another join of this member created, or "" if there is none.
func (m *memberCleanup) otherJoin(ctx context.Context, sa string) (string, error) {
	accounts, err := listNames(m.client.CoreV1().ServiceAccounts(MemberNamespace).List)(ctx, metav1.ListOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return "", wrapMember(err, "listing service accounts in namespace %s", MemberNamespace)
	}
	for _, name := range accounts {
		if name != sa && name != ImpersonatorServiceAccount && strings.HasPrefix(name, ControllerServiceAccount("")) {
			return name, nil
		}
	}
	return "", nil
}

// foreignObject returns a description of one object in MemberNamespace that join
// did not create (and that Kubernetes does not put into every namespace), or "" if
// there is none, in which case unjoin may delete the namespace.
func (m *memberCleanup) foreignObject(ctx context.Context, sa string) (string, error) {
	ours := []string{sa, ImpersonatorServiceAccount}
	core := m.client.CoreV1()
	lists := []struct {
		kind   string
		ignore []string
		names  func(context.Context, metav1.ListOptions) ([]string, error)
	}{
		{"service account", append([]string{defaultServiceAccount}, ours...), listNames(core.ServiceAccounts(MemberNamespace).List)},
		{"secret", ours, listNames(core.Secrets(MemberNamespace).List)},
		{"config map", []string{rootCAConfigMap}, listNames(core.ConfigMaps(MemberNamespace).List)},
		{"pod", nil, listNames(core.Pods(MemberNamespace).List)},
		{"service", nil, listNames(core.Services(MemberNamespace).List)},
		{"persistent volume claim", nil, listNames(core.PersistentVolumeClaims(MemberNamespace).List)},
		{"deployment", nil, listNames(m.client.AppsV1().Deployments(MemberNamespace).List)},
		{"role", nil, listNames(m.client.RbacV1().Roles(MemberNamespace).List)},
		{"role binding", nil, listNames(m.client.RbacV1().RoleBindings(MemberNamespace).List)},
	}
	for _, l := range lists {
		names, err := l.names(ctx, metav1.ListOptions{})
		if apierrors.IsNotFound(err) {
			return "", nil // no namespace, nothing to keep
		}
		if err != nil {
			return "", wrapMember(err, "listing %ss in namespace %s", l.kind, MemberNamespace)
		}
		for _, n := range names {
			if !slices.Contains(l.ignore, n) {
				return fmt.Sprintf("%s %s", l.kind, n), nil
			}
		}
	}
	return "", nil
}

// listNames adapts a typed List to return the item names.
func listNames[L runtime.Object](list func(context.Context, metav1.ListOptions) (L, error)) func(context.Context, metav1.ListOptions) ([]string, error) {
	return func(ctx context.Context, opts metav1.ListOptions) ([]string, error) {
		l, err := list(ctx, opts)
		if err != nil {
			return nil, err
		}
		items, err := meta.ExtractList(l)
		if err != nil {
			return nil, err
		}
		names := make([]string, 0, len(items))
		for _, item := range items {
			obj, err := meta.Accessor(item)
			if err != nil {
				return nil, err
			}
			names = append(names, obj.GetName())
		}
		return names, nil
	}
}

func ignoreNotFound(err error) error {
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
