package global

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/proxy"
)

// ClustersParam narrows a request to some clusters: a comma-separated list of names.
const ClustersParam = "clusters"

// ClusterLister lists the member clusters.
type ClusterLister interface {
	ListClusters(ctx context.Context) ([]clusterv1alpha1.Cluster, error)
}

// Members reaches member clusters as the caller; *proxy.ClusterProxy is one.
type Members interface {
	// RoundTripper returns the transport to a member that impersonates the caller of ctx.
	RoundTripper(ctx context.Context, cluster string) (*proxy.Member, http.RoundTripper, error)
	// Connect returns a handler forwarding the request to path on one member.
	Connect(ctx context.Context, cluster, path string, responder rest.Responder) (http.Handler, error)
}

// Handler serves the global proxy.
type Handler struct {
	Clusters ClusterLister
	Members  Members
	// Concurrency bounds how many members one request talks to at once.
	Concurrency int
	// ClusterTimeout bounds each member's part of a non-streaming request, so a
	// slow or unreachable member gives a warning instead of a hang.
	ClusterTimeout time.Duration
	// Namespaces, when set, answers a list over all namespaces that a member
	// forbids with the namespaces where the member allows it.
	Namespaces NamespaceAccess
}

var requestInfos = &request.RequestInfoFactory{
	APIPrefixes:          sets.NewString("api", "apis"),
	GrouplessAPIPrefixes: sets.NewString("api"),
}

// ParseRequest reads a Kubernetes API request (method, path and query) the way
// an apiserver does: verb, resource, namespace, name, subresource.
func ParseRequest(method, path string, query url.Values) (*request.RequestInfo, error) {
	return requestInfos.NewRequestInfo(&http.Request{Method: method, URL: &url.URL{Path: path, RawQuery: query.Encode()}})
}

// Connect returns the handler answering memberPath (a Kubernetes API path)
// across the members.
func (h *Handler) Connect(ctx context.Context, memberPath string, responder rest.Responder) (http.Handler, error) {
	if !strings.HasPrefix(memberPath, "/") {
		memberPath = "/" + memberPath
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if err := h.serve(ctx, w, req, memberPath, responder); err != nil {
			responder.Error(err)
		}
	}), nil
}

// call is one request through the global proxy, as the members will see it.
type call struct {
	method string
	path   string
	query  url.Values
	info   *request.RequestInfo
	// clusters the caller asked for, in order; nil for every cluster.
	named []string
	// table is true when the caller asked for a Table.
	table bool
	req   *http.Request
}

func (h *Handler) serve(ctx context.Context, w http.ResponseWriter, req *http.Request, memberPath string, responder rest.Responder) error {
	query := req.URL.Query()
	var named []string
	if v := query.Get(ClustersParam); v != "" {
		for _, c := range strings.Split(v, ",") {
			if c = strings.TrimSpace(c); c != "" && !slices.Contains(named, c) {
				named = append(named, c)
			}
		}
	}
	query.Del(ClustersParam)
	info, err := ParseRequest(req.Method, memberPath, query)
	if err != nil {
		return apierrors.NewBadRequest(err.Error())
	}
	c := &call{method: req.Method, path: memberPath, query: query, info: info, named: named,
		table: wantsTable(req.Header.Get("Accept")), req: req}
	if !info.IsResourceRequest {
		return h.serveNonResource(ctx, w, c, responder)
	}
	switch {
	case info.Verb == "list":
		return h.list(ctx, w, c)
	case info.Verb == "watch":
		return h.watch(ctx, w, c)
	case info.Verb == "get" && info.Subresource == "":
		return h.get(ctx, w, c)
	default:
		return h.route(ctx, w, c, responder)
	}
}

// wantsTable reports whether an Accept header asks for a meta.k8s.io Table.
func wantsTable(accept string) bool {
	return strings.Contains(accept, "as=Table")
}
