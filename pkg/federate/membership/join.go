package membership

import (
	"context"
	"fmt"
	"io"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
)

// Defaults of Joiner and Unjoiner.
const (
	DefaultPollInterval = 2 * time.Second
	DefaultTokenTimeout = time.Minute
)

// JoinOptions describe one member cluster to register.
type JoinOptions struct {
	// Name is the Cluster name.
	Name string
	// APIEndpoint is the member API server's URL, as the control plane reaches it.
	APIEndpoint string
	// CAData is the PEM bundle that signs the member API server's certificate.
	CAData []byte
	// InsecureSkipTLSVerify turns off verification of the member's certificate.
	InsecureSkipTLSVerify bool
	// ProxyURL is the proxy the control plane must use to reach the member.
	ProxyURL string
	// Provider, Region and Zones describe where the member runs; empty values
	// leave an existing Cluster's fields alone. The first zone also fills the
	// deprecated spec.zone.
	Provider string
	Region   string
	Zones    []string
	// Labels are merged into the Cluster's labels.
	Labels map[string]string
	// SecretNamespace is the control-plane namespace for the credential Secrets;
	// empty means DefaultSecretNamespace.
	SecretNamespace string
	// Wait bounds how long Join waits for the Cluster to become Ready; zero
	// returns as soon as everything is registered.
	Wait time.Duration
}

// Joiner registers member clusters in Push mode. Join is idempotent: running it
// again for the same name and endpoint repairs and keeps what is there.
type Joiner struct {
	// ControlPlane reaches the control plane's built-in API (namespaces, secrets,
	// discovery).
	ControlPlane kubernetes.Interface
	// Clusters reads and writes Cluster objects on the control plane.
	Clusters client.Client
	// Member reaches the member cluster with rights to create cluster-wide RBAC.
	Member kubernetes.Interface
	// Progress receives one line per step; nil discards them.
	Progress io.Writer
	// PollInterval is how often waits re-check; zero means DefaultPollInterval.
	PollInterval time.Duration
	// TokenTimeout bounds the wait for the member's token controller; zero means
	// DefaultTokenTimeout.
	TokenTimeout time.Duration
}

// Join registers the member described by o and returns the stored Cluster.
//
// It fails before changing anything when the control plane lacks the Cluster API
// (ErrAPINotServed), when the name belongs to a cluster with another endpoint
// (*ConflictError) or when the member does not answer (*UnreachableError).
func (j *Joiner) Join(ctx context.Context, o JoinOptions) (*clusterv1alpha1.Cluster, error) {
	if o.SecretNamespace == "" {
		o.SecretNamespace = DefaultSecretNamespace
	}
	progress := newProgress(j.Progress)

	if err := CheckClusterAPI(ctx, j.ControlPlane.Discovery()); err != nil {
		return nil, err
	}
	existing, err := GetCluster(ctx, j.Clusters, o.Name)
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		return nil, err
	case !sameEndpoint(existing.Spec.APIEndpoint, o.APIEndpoint):
		return nil, &ConflictError{Name: o.Name, Endpoint: existing.Spec.APIEndpoint}
	}
	id, err := memberID(ctx, j.Member, o.APIEndpoint)
	if err != nil {
		return nil, err
	}

	progress.printf("granting the control plane access to the member at %s", o.APIEndpoint)
	member := &memberSetup{client: j.Member, pollInterval: j.pollInterval(), tokenTimeout: j.tokenTimeout()}
	tokens, err := member.apply(ctx, o.Name)
	if err != nil {
		return nil, err
	}

	progress.printf("registering cluster %q on the control plane", o.Name)
	cp := j.ControlPlane.CoreV1()
	if err := ensureNamespace(ctx, cp.Namespaces(), o.SecretNamespace); err != nil {
		return nil, wrapControlPlane(err, "preparing the secret namespace")
	}
	secrets := map[string][]byte{
		ControllerSecretName(o.Name):   tokens.controller,
		ImpersonatorSecretName(o.Name): tokens.impersonator,
	}
	for _, name := range []string{ControllerSecretName(o.Name), ImpersonatorSecretName(o.Name)} {
		data := map[string][]byte{
			clusterv1alpha1.SecretTokenKey:  secrets[name],
			clusterv1alpha1.SecretCADataKey: o.CAData,
		}
		if err := ensureSecret(ctx, cp, o.SecretNamespace, name, data); err != nil {
			return nil, err
		}
	}
	cluster, err := applyCluster(ctx, j.Clusters, o.Name, clusterSpecFor(&o, id))
	if err != nil {
		return nil, err
	}
	if err := ensureNamespace(ctx, cp.Namespaces(), ExecutionNamespace(o.Name)); err != nil {
		return nil, wrapControlPlane(err, "preparing the execution namespace")
	}

	if o.Wait <= 0 {
		return cluster, nil
	}
	return waitForReady(ctx, j.Clusters, o.Name, j.pollInterval(), o.Wait, progress)
}

func (j *Joiner) pollInterval() time.Duration {
	return orDefault(j.PollInterval, DefaultPollInterval)
}

func (j *Joiner) tokenTimeout() time.Duration {
	return orDefault(j.TokenTimeout, DefaultTokenTimeout)
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// progress prints step lines; the zero value discards them.
type progress struct{ w io.Writer }

func newProgress(w io.Writer) progress {
	if w == nil {
		w = io.Discard
	}
	return progress{w: w}
}

func (p progress) printf(format string, args ...any) {
	fmt.Fprintf(p.w, format+"\n", args...)
}
