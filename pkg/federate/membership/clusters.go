package membership

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/discovery"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
)

// ErrAPINotServed means the control plane has no cluster.karmada.io/v1alpha1 API,
// usually because the aggregated server's APIService is not registered.
var ErrAPINotServed = errors.New("the control plane does not serve " +
	clusterv1alpha1.SchemeGroupVersion.String() + "; is the proxy registered?")

// NewScheme returns a scheme with the client-go types and cluster.karmada.io.
func NewScheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, err
	}
	if err := clusterv1alpha1.AddToScheme(s); err != nil {
		return nil, err
	}
	return s, nil
}

// NewClient returns a control-plane client that reads and writes Cluster objects
// (and the built-in types) through cfg.
func NewClient(cfg *rest.Config) (client.Client, error) {
	s, err := NewScheme()
	if err != nil {
		return nil, err
	}
	return client.New(cfg, client.Options{Scheme: s})
}

// CheckClusterAPI returns ErrAPINotServed when the control plane behind d does not
// serve Cluster objects, and a one-line error when it cannot be asked.
func CheckClusterAPI(ctx context.Context, d discovery.DiscoveryInterface) error {
	gv := clusterv1alpha1.SchemeGroupVersion.String()
	list, err := discovery.ToDiscoveryInterfaceWithContext(d).ServerResourcesForGroupVersionWithContext(ctx, gv)
	switch {
	case apierrors.IsNotFound(err):
		return ErrAPINotServed
	case apierrors.IsServiceUnavailable(err):
		return fmt.Errorf("the control plane's %s API is registered but unavailable (%v); is the proxy running?", gv, err)
	case err != nil:
		return fmt.Errorf("cannot reach the control plane: %w", err)
	}
	for _, r := range list.APIResources {
		if r.Name == clusterv1alpha1.ResourcePluralCluster {
			return nil
		}
	}
	return ErrAPINotServed
}

// apiError turns the error of a Cluster request into ErrAPINotServed when the
// control plane does not know the kind, and returns it unchanged otherwise.
func apiError(err error) error {
	if meta.IsNoMatchError(err) {
		return ErrAPINotServed
	}
	return err
}

// GetCluster reads the named Cluster. A missing Cluster is reported as
// `cluster "NAME" not found` (still matching apierrors.IsNotFound), and a control
// plane without the API as ErrAPINotServed.
func GetCluster(ctx context.Context, c client.Reader, name string) (*clusterv1alpha1.Cluster, error) {
	cluster := &clusterv1alpha1.Cluster{}
	if err := c.Get(ctx, client.ObjectKey{Name: name}, cluster); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, &notFoundError{name: name, err: err}
		}
		return nil, apiError(err)
	}
	return cluster, nil
}

// notFoundError keeps apierrors.IsNotFound working while saying it the short way.
type notFoundError struct {
	name string
	err  error
}

func (e *notFoundError) Error() string { return fmt.Sprintf("cluster %q not found", e.name) }
func (e *notFoundError) Unwrap() error { return e.err }

// ClusterNames lists the names of all Clusters, sorted.
func ClusterNames(ctx context.Context, c client.Reader) ([]string, error) {
	list := &clusterv1alpha1.ClusterList{}
	if err := c.List(ctx, list); err != nil {
		return nil, apiError(err)
	}
	names := make([]string, 0, len(list.Items))
	for i := range list.Items {
		names = append(names, list.Items[i].Name)
	}
	slices.Sort(names)
	return names, nil
}

// RESTConfigGetter is the part of a kubectl factory that CompleteClusterNames needs.
type RESTConfigGetter interface {
	ToRESTConfig() (*rest.Config, error)
}

// CompleteClusterNames returns the Cluster names starting with prefix, for shell
// completion. It is best-effort: any failure yields no suggestions.
func CompleteClusterNames(ctx context.Context, getter RESTConfigGetter, prefix string) []string {
	cfg, err := getter.ToRESTConfig()
	if err != nil {
		return nil
	}
	c, err := NewClient(cfg)
	if err != nil {
		return nil
	}
	names, err := ClusterNames(ctx, c)
	if err != nil {
		return nil
	}
	return slices.DeleteFunc(names, func(n string) bool { return !strings.HasPrefix(n, prefix) })
}
