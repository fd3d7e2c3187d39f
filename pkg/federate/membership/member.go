package membership

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/kubernetes"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
)

// allRights is what the controllers need in a Push-mode member: everything.
var allRights = []rbacv1.PolicyRule{
	{APIGroups: []string{rbacv1.APIGroupAll}, Resources: []string{rbacv1.ResourceAll}, Verbs: []string{rbacv1.VerbAll}},
	{NonResourceURLs: []string{rbacv1.NonResourceAll}, Verbs: []string{rbacv1.VerbAll}},
}

// memberTokens are the bearer tokens join reads back from the member.
type memberTokens struct {
	controller   []byte
	impersonator []byte
}

// memberSetup creates, or brings back in line, what the control plane needs in a
// member: the controllers' ServiceAccount with all rights, the impersonator's
// ServiceAccount with none, and a token Secret for each.
type memberSetup struct {
	client       kubernetes.Interface
	pollInterval time.Duration
	tokenTimeout time.Duration
}

func (m *memberSetup) apply(ctx context.Context, cluster string) (memberTokens, error) {
	sa := ControllerServiceAccount(cluster)
	if err := ensureNamespace(ctx, m.client.CoreV1().Namespaces(), MemberNamespace); err != nil {
		return memberTokens{}, err
	}
	if err := m.ensureClusterRole(ctx, sa); err != nil {
		return memberTokens{}, err
	}
	for _, name := range []string{sa, ImpersonatorServiceAccount} {
		if err := m.ensureServiceAccount(ctx, name); err != nil {
			return memberTokens{}, err
		}
	}
	if err := m.ensureClusterRoleBinding(ctx, sa); err != nil {
		return memberTokens{}, err
	}
	var tokens memberTokens
	var err error
	if tokens.controller, err = m.token(ctx, sa); err != nil {
		return memberTokens{}, err
	}
	if tokens.impersonator, err = m.token(ctx, ImpersonatorServiceAccount); err != nil {
		return memberTokens{}, err
	}
	return tokens, nil
}

// ensureNamespace creates a namespace. One still being deleted (a recent unjoin)
// is waited out first: nothing can be created in it, and it would vanish under us.
func ensureNamespace(ctx context.Context, c corev1client.NamespaceInterface, name string) error {
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		ns, err := c.Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		if err != nil {
			return false, err
		}
		return ns.DeletionTimestamp == nil, nil
	})
	if err != nil {
		return fmt.Errorf("namespace %s is still being deleted: %w", name, err)
	}
	_, err = c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating namespace %s: %w", name, err)
	}
	return nil
}

func (m *memberSetup) ensureServiceAccount(ctx context.Context, name string) error {
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: MemberNamespace, Name: name}}
	_, err := m.client.CoreV1().ServiceAccounts(MemberNamespace).Create(ctx, sa, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating service account %s/%s in the member: %w", MemberNamespace, name, err)
	}
	return nil
}

func (m *memberSetup) ensureClusterRole(ctx context.Context, name string) error {
	roles := m.client.RbacV1().ClusterRoles()
	want := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: allRights}
	_, err := roles.Create(ctx, want, metav1.CreateOptions{})
	if !apierrors.IsAlreadyExists(err) {
		return wrapMember(err, "creating cluster role %s", name)
	}
	got, err := roles.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return wrapMember(err, "reading cluster role %s", name)
	}
	if equality.Semantic.DeepEqual(got.Rules, want.Rules) {
		return nil
	}
	got.Rules = want.Rules
	_, err = roles.Update(ctx, got, metav1.UpdateOptions{})
	return wrapMember(err, "updating cluster role %s", name)
}

func (m *memberSetup) ensureClusterRoleBinding(ctx context.Context, name string) error {
	bindings := m.client.RbacV1().ClusterRoleBindings()
	want := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: MemberNamespace, Name: name}},
	}
	_, err := bindings.Create(ctx, want, metav1.CreateOptions{})
	if !apierrors.IsAlreadyExists(err) {
		return wrapMember(err, "creating cluster role binding %s", name)
	}
	got, err := bindings.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return wrapMember(err, "reading cluster role binding %s", name)
	}
	switch {
	case got.RoleRef != want.RoleRef:
		// roleRef is immutable: replace the binding.
		if err := bindings.Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return wrapMember(err, "replacing cluster role binding %s", name)
		}
		_, err = bindings.Create(ctx, want, metav1.CreateOptions{})
		return wrapMember(err, "replacing cluster role binding %s", name)
	case !equality.Semantic.DeepEqual(got.Subjects, want.Subjects):
		got.Subjects = want.Subjects
		_, err = bindings.Update(ctx, got, metav1.UpdateOptions{})
		return wrapMember(err, "updating cluster role binding %s", name)
	}
	return nil
}

// token makes sure a token Secret exists for the ServiceAccount and waits until the
// member's token controller has filled it in.
func (m *memberSetup) token(ctx context.Context, serviceAccount string) ([]byte, error) {
	secrets := m.client.CoreV1().Secrets(MemberNamespace)
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Namespace:   MemberNamespace,
			Name:        serviceAccount,
			Annotations: map[string]string{serviceAccountNameAnnotation: serviceAccount},
		},
		Type: corev1.SecretTypeServiceAccountToken,
	}
	if _, err := secrets.Create(ctx, secret, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return nil, wrapMember(err, "creating token secret %s/%s", MemberNamespace, serviceAccount)
	}
	var token []byte
	err := wait.PollUntilContextTimeout(ctx, m.pollInterval, m.tokenTimeout, true, func(ctx context.Context) (bool, error) {
		got, err := secrets.Get(ctx, serviceAccount, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, nil // the token controller drops secrets it cannot match yet
		}
		if err != nil {
			return false, wrapMember(err, "reading token secret %s/%s", MemberNamespace, serviceAccount)
		}
		if got.Type != corev1.SecretTypeServiceAccountToken || got.Annotations[serviceAccountNameAnnotation] != serviceAccount {
			return false, fmt.Errorf("secret %s/%s in the member is not a token of service account %s; delete it and rerun",
				MemberNamespace, serviceAccount, serviceAccount)
		}
		token = got.Data[clusterv1alpha1.SecretTokenKey]
		return len(token) > 0, nil
	})
	if wait.Interrupted(err) && ctx.Err() == nil {
		return nil, fmt.Errorf("the member's token controller did not fill secret %s/%s within %s; is kube-controller-manager running there?",
			MemberNamespace, serviceAccount, m.tokenTimeout)
	}
	return token, err
}

// wrapMember prefixes err, if any, with what was being done in the member.
func wrapMember(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s in the member: %w", fmt.Sprintf(format, args...), err)
}

// UnreachableError means the member's API server did not answer.
type UnreachableError struct {
	Endpoint string
	Err      error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach member cluster at %s: %v", e.Endpoint, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// checkReachable returns an UnreachableError when the member's API server does not
// answer at all; any HTTP answer, even an error status, counts as reachable.
func checkReachable(ctx context.Context, c kubernetes.Interface, endpoint string) error {
	_, err := discovery.ToDiscoveryInterfaceWithContext(c.Discovery()).ServerVersionWithContext(ctx)
	var status apierrors.APIStatus
	if err != nil && !errors.As(err, &status) {
		return &UnreachableError{Endpoint: endpoint, Err: err}
	}
	return nil
}

// memberID returns the member's identity for spec.id: the uid of its kube-system
// namespace.
func memberID(ctx context.Context, c kubernetes.Interface, endpoint string) (string, error) {
	if err := checkReachable(ctx, c, endpoint); err != nil {
		return "", err
	}
	ns, err := c.CoreV1().Namespaces().Get(ctx, metav1.NamespaceSystem, metav1.GetOptions{})
	if err != nil {
		return "", wrapMember(err, "reading namespace %s", metav1.NamespaceSystem)
	}
	return string(ns.UID), nil
}
