package cluster

import (
	"context"
	"fmt"
	"net/http"

	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/rest"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/proxy"
)

// proxyMethods are the HTTP methods the proxy subresource forwards: every verb of
// the Kubernetes API, including upgrades (which arrive as GET or POST).
var proxyMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

// ProxyREST serves clusters/{name}/proxy/{path}: it forwards the request to the
// member, as the member's impersonator, impersonating the caller.
type ProxyREST struct {
	Proxy *proxy.ClusterProxy
}

var (
	_ rest.Connecter = &ProxyREST{}
	_ rest.Storage   = &ProxyREST{}
)

// New returns the options object of the subresource.
func (r *ProxyREST) New() runtime.Object { return &clusterv1alpha1.ClusterProxyOptions{} }

// Destroy releases nothing.
func (r *ProxyREST) Destroy() {}

// ConnectMethods lists the forwarded methods.
func (r *ProxyREST) ConnectMethods() []string { return proxyMethods }

// NewConnectOptions says the path below the subresource goes into the "path" field.
func (r *ProxyREST) NewConnectOptions() (runtime.Object, bool, string) {
	return &clusterv1alpha1.ClusterProxyOptions{}, true, "path"
}

// Connect returns the handler that forwards to the member.
func (r *ProxyREST) Connect(ctx context.Context, name string, options runtime.Object, responder rest.Responder) (http.Handler, error) {
	opts, ok := options.(*clusterv1alpha1.ClusterProxyOptions)
	if !ok {
		return nil, fmt.Errorf("invalid options object: %#v", options)
	}
	return r.Proxy.Connect(ctx, name, opts.Path, responder)
}

// Getter reads Clusters for the proxy from the registry's watch cache.
type Getter struct {
	Store rest.Getter
}

var _ proxy.ClusterGetter = Getter{}

// GetCluster returns the named Cluster, or a NotFound error naming it.
func (g Getter) GetCluster(ctx context.Context, name string) (*clusterv1alpha1.Cluster, error) {
	obj, err := g.Store.Get(ctx, name, &metav1.GetOptions{ResourceVersion: "0"})
	if err != nil {
		return nil, err
	}
	return obj.(*clusterv1alpha1.Cluster), nil
}

// Lister lists Clusters for the global proxy from the registry's watch cache.
type Lister struct {
	Store rest.Lister
}

// ListClusters returns every Cluster.
func (l Lister) ListClusters(ctx context.Context) ([]clusterv1alpha1.Cluster, error) {
	obj, err := l.Store.List(ctx, &metainternalversion.ListOptions{ResourceVersion: "0"})
	if err != nil {
		return nil, err
	}
	return obj.(*clusterv1alpha1.ClusterList).Items, nil
}
