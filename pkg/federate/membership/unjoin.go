package membership

import (
	"context"
	"fmt"
	"io"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/auth/membercreds"
)

// memberTimeout bounds each request to a member reached with stored credentials.
const memberTimeout = 30 * time.Second

// UnjoinOptions describe one member cluster to remove.
type UnjoinOptions struct {
	// Name is the Cluster name.
	Name string
	// SecretNamespace is where the credential Secrets are looked for when the
	// Cluster object is already gone; empty means DefaultSecretNamespace.
	SecretNamespace string
	// Wait bounds each wait for a deletion to finish on the control plane; zero
	// does not wait.
	Wait time.Duration
	// Force goes on when the member cannot be reached or cleaned up, leaving what
	// join created there behind.
	Force bool
}

// MemberAccessError means the member could not be reached or cleaned up with the
// credentials at hand.
type MemberAccessError struct {
	Cluster string
	Err     error
}

func (e *MemberAccessError) Error() string {
	return fmt.Sprintf("cannot clean up member cluster %q: %v", e.Cluster, e.Err)
}

func (e *MemberAccessError) Unwrap() error { return e.Err }

// Unjoiner removes member clusters: everything Joiner created on both sides, plus
// the impersonator's RBAC that the control plane's grant controller added to the
// member. Unjoin is idempotent: what is already gone is skipped.
type Unjoiner struct {
	// ControlPlane reaches the control plane's built-in API.
	ControlPlane kubernetes.Interface
	// Clusters reads and deletes Cluster objects.
	Clusters client.Client
	// Member reaches the member cluster with credentials the caller chose. When nil,
	// the member is reached with the credentials stored for the Cluster, through
	// NewMember.
	Member kubernetes.Interface
	// MemberEndpoint is where Member points; it only appears in messages.
	MemberEndpoint string
	// NewMember builds a member client from stored credentials; nil means
	// kubernetes.NewForConfig.
	NewMember func(*rest.Config) (kubernetes.Interface, error)
	// Progress receives one line per step; nil discards them.
	Progress io.Writer
	// PollInterval is how often waits re-check; zero means DefaultPollInterval.
	PollInterval time.Duration
}

// Unjoin removes the member named in o. The Cluster object goes first, so that no
// controller recreates anything in the member while it is being cleaned up; then
// the member; then the credentials and the execution namespace.
func (u *Unjoiner) Unjoin(ctx context.Context, o UnjoinOptions) error {
	if o.SecretNamespace == "" {
		o.SecretNamespace = DefaultSecretNamespace
	}
	p := newProgress(u.Progress)
	if err := CheckClusterAPI(ctx, u.ControlPlane.Discovery()); err != nil {
		return err
	}
	cluster, err := GetCluster(ctx, u.Clusters, o.Name)
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	member, self, err := u.memberClient(ctx, cluster, o, p)
	if err != nil {
		return err
	}

	if cluster != nil {
		p.printf("deleting cluster %q from the control plane", o.Name)
		if err := ignoreNotFound(u.Clusters.Delete(ctx, cluster)); err != nil {
			return wrapControlPlane(apiError(err), "deleting cluster %s", o.Name)
		}
		if o.Wait > 0 {
			w := waiter{progress: p, interval: u.pollInterval(), timeout: o.Wait, what: fmt.Sprintf("cluster %q to be deleted", o.Name)}
			err := waitForGone(ctx, w, "check that the proxy's controllers are running, or do not wait",
				func(ctx context.Context) (metav1.Object, error) { return GetCluster(ctx, u.Clusters, o.Name) })
			if err != nil {
				return err
			}
		}
	}

	if member != nil {
		if err := u.cleanMember(ctx, member, self, o, p); err != nil {
			return err
		}
	}

	secretRefs := []clusterv1alpha1.LocalSecretReference{
		{Namespace: o.SecretNamespace, Name: ControllerSecretName(o.Name)},
		{Namespace: o.SecretNamespace, Name: ImpersonatorSecretName(o.Name)},
	}
	if cluster != nil {
		for i, ref := range []*clusterv1alpha1.LocalSecretReference{cluster.Spec.SecretRef, cluster.Spec.ImpersonatorSecretRef} {
			if ref != nil {
				secretRefs[i] = *ref
			}
		}
	}
	p.printf("deleting the credentials and namespace %s of cluster %q from the control plane", ExecutionNamespace(o.Name), o.Name)
	for _, ref := range secretRefs {
		err := u.ControlPlane.CoreV1().Secrets(ref.Namespace).Delete(ctx, ref.Name, metav1.DeleteOptions{})
		if err := ignoreNotFound(err); err != nil {
			return wrapControlPlane(err, "deleting secret %s/%s", ref.Namespace, ref.Name)
		}
	}
	namespaces := u.ControlPlane.CoreV1().Namespaces()
	if err := ignoreNotFound(namespaces.Delete(ctx, ExecutionNamespace(o.Name), metav1.DeleteOptions{})); err != nil {
		return wrapControlPlane(err, "deleting namespace %s", ExecutionNamespace(o.Name))
	}
	if o.Wait <= 0 {
		return nil
	}
	w := waiter{progress: p, interval: u.pollInterval(), timeout: o.Wait, what: fmt.Sprintf("namespace %s to be deleted", ExecutionNamespace(o.Name))}
	return waitForGone(ctx, w, "check the control plane's namespace controller",
		func(ctx context.Context) (metav1.Object, error) {
			return namespaces.Get(ctx, ExecutionNamespace(o.Name), metav1.GetOptions{})
		})
}

// memberClient picks the client that cleans up the member: the caller's, or one
// with the credentials stored for the cluster (self is then true). It returns a nil
// client when the member is to be skipped.
func (u *Unjoiner) memberClient(ctx context.Context, cluster *clusterv1alpha1.Cluster, o UnjoinOptions, p progress) (member kubernetes.Interface, self bool, err error) {
	endpoint := u.MemberEndpoint
	switch {
	case u.Member != nil:
		member = u.Member
	case cluster == nil:
		p.printf("cluster %q is not registered; skipping the member cluster, since no credentials for it are known", o.Name)
		return nil, false, nil
	default:
		endpoint = cluster.Spec.APIEndpoint
		member, err = u.storedCredentials(ctx, cluster)
		self = true
	}
	if err == nil {
		err = checkReachable(ctx, member, endpoint)
	}
	if err == nil {
		return member, self, nil
	}
	if !o.Force {
		return nil, false, &MemberAccessError{Cluster: o.Name, Err: err}
	}
	p.printf("warning: skipping the member cluster: %v", err)
	return nil, false, nil
}

// storedCredentials builds a member client from the Cluster's endpoint and the
// Secret named by its spec.secretRef.
func (u *Unjoiner) storedCredentials(ctx context.Context, cluster *clusterv1alpha1.Cluster) (kubernetes.Interface, error) {
	ref := cluster.Spec.SecretRef
	if ref == nil || ref.Name == "" {
		return nil, fmt.Errorf("cluster %s has no spec.secretRef", cluster.Name)
	}
	secret, err := u.ControlPlane.CoreV1().Secrets(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
	if err != nil {
		return nil, wrapControlPlane(err, "reading the credentials of cluster %s", cluster.Name)
	}
	if len(secret.Data[clusterv1alpha1.SecretTokenKey]) == 0 {
		return nil, fmt.Errorf("secret %s/%s of cluster %s has no %q key", ref.Namespace, ref.Name, cluster.Name, clusterv1alpha1.SecretTokenKey)
	}
	cfg, err := membercreds.RESTConfig(cluster, secret)
	if err != nil {
		return nil, err
	}
	cfg.UserAgent = rest.DefaultKubernetesUserAgent()
	cfg.Timeout = memberTimeout
	newMember := u.NewMember
	if newMember == nil {
		newMember = func(c *rest.Config) (kubernetes.Interface, error) { return kubernetes.NewForConfig(c) }
	}
	return newMember(cfg)
}

func (u *Unjoiner) cleanMember(ctx context.Context, member kubernetes.Interface, self bool, o UnjoinOptions, p progress) error {
	p.printf("removing the control plane's access from the member cluster")
	res, err := (&memberCleanup{client: member, selfCredentials: self}).run(ctx, o.Name)
	if err != nil {
		if !o.Force {
			return &MemberAccessError{Cluster: o.Name, Err: err}
		}
		p.printf("warning: leaving the member cluster partly cleaned up: %v", err)
		return nil
	}
	if res.handedToGC {
		p.printf("the member's garbage collector removes what remains of %s", ControllerServiceAccount(o.Name))
	}
	if res.impersonatorKeptFor != "" {
		p.printf("keeping %s in the member: it also serves the join of service account %s", ImpersonatorServiceAccount, res.impersonatorKeptFor)
	}
	if res.keptNamespaceFor != "" {
		p.printf("keeping namespace %s in the member: it holds %s", MemberNamespace, res.keptNamespaceFor)
	}
	return nil
}

func (u *Unjoiner) pollInterval() time.Duration {
	return orDefault(u.PollInterval, DefaultPollInterval)
}
