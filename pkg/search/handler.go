package search

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/fleetplane/fleetplane/pkg/auth/memberaccess"
	"github.com/fleetplane/fleetplane/pkg/proxy/global"
	"github.com/fleetplane/fleetplane/pkg/search/cache"
)

// Handler answers search requests.
type Handler struct {
	Cache *cache.Cache
	// Global answers what is not a list or get (watch, discovery), and the
	// lists the cache cannot answer.
	Global *global.Handler
	Access *memberaccess.Checker
}

// Connect answers path (a Kubernetes API path).
func (h *Handler) Connect(ctx context.Context, path string, responder rest.Responder) (http.Handler, error) {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		query := req.URL.Query()
		info, err := global.ParseRequest(req.Method, path, query)
		if err != nil {
			responder.Error(apierrors.NewBadRequest(err.Error()))
			return
		}
		if info.Verb == "watch" && (query.Get("q") != "" || query.Get("name") != "") {
			responder.Error(apierrors.NewBadRequest("the search cannot watch with name or q: watch without them, or through the global proxy"))
			return
		}
		if !info.IsResourceRequest || (info.Verb != "list" && info.Verb != "get") || info.Subresource != "" {
			if info.IsResourceRequest && req.Method != http.MethodGet {
				responder.Error(apierrors.NewMethodNotSupported(schema.GroupResource{Group: info.APIGroup, Resource: info.Resource}, req.Method))
				return
			}
			g, err := h.Global.Connect(ctx, path, responder)
			if err != nil {
				responder.Error(err)
				return
			}
			g.ServeHTTP(w, req)
			return
		}
		q, err := parseQuery(info, query, strings.Contains(req.Header.Get("Accept"), "as=Table"))
		if err != nil {
			responder.Error(err)
			return
		}
		if err := h.serve(ctx, w, q); err != nil {
			responder.Error(err)
		}
	}), nil
}

// searchQuery is a parsed search request.
type searchQuery struct {
	info     *request.RequestInfo
	gvr      schema.GroupVersionResource
	path     string // the collection's path, for live answers
	clusters []string
	filter   cache.Query
	limit    int
	cont     string
	version  global.Version
	table    bool
	// live is the query a member gets when the cache cannot answer.
	live url.Values
}

func parseQuery(info *request.RequestInfo, query url.Values, table bool) (*searchQuery, error) {
	q := &searchQuery{
		info:  info,
		gvr:   schema.GroupVersionResource{Group: info.APIGroup, Version: info.APIVersion, Resource: info.Resource},
		path:  global.CollectionPath(info),
		table: table,
		live:  url.Values{},
	}
	q.filter.Namespace = info.Namespace
	if info.Resource == "namespaces" {
		q.filter.Namespace = ""
	}
	if v := query.Get(global.ClustersParam); v != "" {
		for _, c := range strings.Split(v, ",") {
			if c = strings.TrimSpace(c); c != "" {
				q.clusters = append(q.clusters, c)
			}
		}
	}
	if info.Verb == "get" {
		q.filter.Name = info.Name
	}
	if name := query.Get("name"); name != "" {
		if prefix, ok := strings.CutSuffix(name, "*"); ok {
			q.filter.NamePrefix = prefix
		} else if q.filter.Name != "" && q.filter.Name != name {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("name %q contradicts the path's name %q", name, q.filter.Name))
		} else {
			q.filter.Name = name
		}
	}
	q.filter.Fuzzy = query.Get("q")
	if s := query.Get("labelSelector"); s != "" {
		sel, err := labels.Parse(s)
		if err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("labelSelector: %v", err))
		}
		q.filter.Labels = sel
		q.live.Set("labelSelector", s)
	}
	if s := query.Get("fieldSelector"); s != "" {
		if err := q.fieldSelector(s); err != nil {
			return nil, err
		}
	}
	if v := query.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("limit %q is not a non-negative integer", v))
		}
		q.limit = n
	}
	q.cont = query.Get("continue")
	v, _, err := global.ParseVersion(query.Get("resourceVersion"))
	if err != nil {
		return nil, err
	}
	q.version = v
	return q, nil
}

// fieldSelector takes the field selectors the cache can answer: metadata.name
// and metadata.namespace, with =.
func (q *searchQuery) fieldSelector(s string) error {
	sel, err := fields.ParseSelector(s)
	if err != nil {
		return apierrors.NewBadRequest(fmt.Sprintf("fieldSelector: %v", err))
	}
	for _, r := range sel.Requirements() {
		if r.Operator != "=" && r.Operator != "==" {
			return apierrors.NewBadRequest(fmt.Sprintf("fieldSelector: the search supports only = on metadata.name and metadata.namespace, not %q", r.Field+string(r.Operator)))
		}
		switch r.Field {
		case "metadata.name":
			if q.filter.Name != "" && q.filter.Name != r.Value {
				q.filter.Name = "\x00" // contradictory: matches nothing
			} else {
				q.filter.Name = r.Value
			}
		case "metadata.namespace":
			if q.filter.Namespace != "" && q.filter.Namespace != r.Value {
				q.filter.Name = "\x00"
			} else {
				q.filter.Namespace = r.Value
			}
		default:
			return apierrors.NewBadRequest(fmt.Sprintf("fieldSelector: the search supports only metadata.name and metadata.namespace, not %q", r.Field))
		}
	}
	return nil
}
