package fleetview

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/rest"

	searchv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/search/v1alpha1"
)

// methods are the HTTP methods both resources take: every verb of the
// Kubernetes API (writes and subresources go to the owning cluster).
var methods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

// Connector answers a Kubernetes API path across the members.
type Connector interface {
	Connect(ctx context.Context, path string, responder rest.Responder) (http.Handler, error)
}

// REST is a connect resource with one valid name, whose path below that name
// starts with a fixed element: proxying/karmada/proxy/{path} and
// search/cache/{path}.
type REST struct {
	// Name is the only valid object name: "karmada" or "cache".
	Name string
	// Prefix is the path element after the name ("proxy"), or "" for none.
	Prefix string
	// Connector answers the Kubernetes API path.
	Connector Connector
}

var (
	_ rest.Connecter = &REST{}
	_ rest.Storage   = &REST{}
	_ rest.Scoper    = &REST{}

	_ rest.SingularNameProvider = &REST{}
)

// NewProxying returns proxying: proxying/karmada/proxy/{path}.
func NewProxying(c Connector) *REST { return &REST{Name: "karmada", Prefix: "proxy", Connector: c} }

// NewSearch returns search: search/cache/{path}.
func NewSearch(c Connector) *REST { return &REST{Name: "cache", Connector: c} }

// GetSingularName is the resource's name: these resources have no plural.
func (r *REST) GetSingularName() string { return r.resource() }

// New returns the options object.
func (r *REST) New() runtime.Object { return r.options("") }

// Destroy releases nothing.
func (r *REST) Destroy() {}

// NamespaceScoped is false: the path carries the namespace, if any.
func (r *REST) NamespaceScoped() bool { return false }

// ConnectMethods lists the methods taken.
func (r *REST) ConnectMethods() []string { return methods }

// NewConnectOptions says the path below the name goes into the "path" field.
func (r *REST) NewConnectOptions() (runtime.Object, bool, string) {
	return r.options(""), true, "path"
}

// options returns the options object of the resource: each resource has its
// own kind, since OpenAPI names operations after it.
func (r *REST) options(path string) runtime.Object {
	if r.Name == "karmada" {
		return &searchv1alpha1.ProxyOptions{Path: path}
	}
	return &searchv1alpha1.SearchOptions{Path: path}
}

// Connect checks the name and prefix and hands the Kubernetes API path on.
func (r *REST) Connect(ctx context.Context, name string, options runtime.Object, responder rest.Responder) (http.Handler, error) {
	var subpath string
	switch opts := options.(type) {
	case *searchv1alpha1.ProxyOptions:
		subpath = opts.Path
	case *searchv1alpha1.SearchOptions:
		subpath = opts.Path
	default:
		return nil, fmt.Errorf("invalid options object: %#v", options)
	}
	if name != r.Name {
		return nil, apierrors.NewNotFound(searchv1alpha1.Resource(r.resource()), name)
	}
	path := "/" + strings.TrimPrefix(subpath, "/")
	if r.Prefix != "" {
		rest, ok := strings.CutPrefix(path, "/"+r.Prefix)
		if !ok || (rest != "" && !strings.HasPrefix(rest, "/")) {
			return nil, apierrors.NewNotFound(searchv1alpha1.Resource(r.resource()), name+path)
		}
		path = rest
	}
	if path == "" || path == "/" {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("a Kubernetes API path is needed after %s/%s", r.resource(), strings.TrimSuffix(r.Name+"/"+r.Prefix, "/")))
	}
	return r.Connector.Connect(ctx, path, responder)
}

func (r *REST) resource() string {
	if r.Name == "karmada" {
		return "proxying"
	}
	return "search"
}
