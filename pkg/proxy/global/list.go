package global

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// tableAccept asks a member for a Table, falling back to plain JSON.
const tableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"

func (c *call) accept() string {
	if c.table {
		return tableAccept
	}
	return "application/json"
}

// list answers a list: the whole list of every cluster at once, or one page of
// a paginated list that walks the clusters one after the other.
func (h *Handler) list(ctx context.Context, w http.ResponseWriter, c *call) error {
	clusters, err := h.Targets(ctx, c.named)
	if err != nil {
		return err
	}
	version, _, err := ParseVersion(c.query.Get("resourceVersion"))
	if err != nil {
		return err
	}
	var limit int64
	if v := c.query.Get("limit"); v != "" {
		if limit, err = strconv.ParseInt(v, 10, 64); err != nil || limit < 0 {
			return apierrors.NewBadRequest(fmt.Sprintf("limit %q is not a non-negative integer", v))
		}
	}
	var page *Page
	if limit > 0 || c.query.Get("continue") != "" {
		page, err = h.listPage(ctx, c, clusters, version, limit)
	} else {
		page, err = h.listAll(ctx, c, clusters, version)
	}
	if err != nil {
		return err
	}
	page.Write(w)
	return nil
}

// memberQuery is the query a member gets: the caller's, with the member's own
// resourceVersion in place of a multi-cluster one.
func memberQuery(q url.Values, version Version, cluster string) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = v
	}
	if version != nil {
		if rv := version[cluster]; rv != "" {
			out.Set("resourceVersion", rv)
		} else {
			// The cluster was not part of the version (it was down, or joined
			// since): any version of it will do.
			out.Set("resourceVersion", "0")
			out.Del("resourceVersionMatch")
		}
	}
	return out
}

// listAll lists every cluster in parallel and merges the lists.
func (h *Handler) listAll(ctx context.Context, c *call, clusters []string, version Version) (*Page, error) {
	results := fanOut(ctx, h, clusters, func(ctx context.Context, cluster string) (*memberList, error) {
		return h.listAnyNamespace(ctx, c, cluster, memberRequest{method: http.MethodGet, path: c.path,
			query: memberQuery(c.query, version, cluster), accept: c.accept()})
	})
	ok, err := settle(ctx, results)
	if err != nil {
		return nil, err
	}
	page := &Page{Version: Version{}, APIVersion: "v1", Kind: "List"}
	for _, r := range ok {
		if err := page.add(r.cluster, r.value); err != nil {
			return nil, err
		}
	}
	page.Sort()
	page.Table = page.Table || c.table
	return page, nil
}

// add merges one cluster's list into the page.
func (p *Page) add(cluster string, l *memberList) error {
	items, err := l.items(cluster, "")
	if err != nil {
		return fmt.Errorf("cluster %s answered an object this server cannot read: %w", cluster, err)
	}
	if p.Kind == "List" || p.Kind == "" {
		p.APIVersion, p.Kind = l.APIVersion, l.Kind
	}
	if l.isTable() {
		p.Table = true
		if len(p.Columns) == 0 {
			p.Columns = l.ColumnDefinitions
		}
	}
	p.Items = append(p.Items, items...)
	if l.Metadata.ResourceVersion != "" {
		p.Version[cluster] = l.Metadata.ResourceVersion
	}
	return nil
}

// memberList gets and decodes one member's list.
func (h *Handler) memberList(ctx context.Context, cluster string, r memberRequest) (*memberList, error) {
	resp, err := h.do(ctx, cluster, r)
	if err != nil {
		return nil, err
	}
	l, err := decodeMemberList(resp.body)
	if err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("cluster %s answered a list this server cannot read: %w", cluster, err))
	}
	return l, nil
}

// listPage answers one page of a paginated list. The clusters are walked in
// order, each from the top to the end. Every page after the first lists each
// cluster at the version it had when the first page was served, so that the
// pages together are a consistent list of each cluster and the version resumes
// a watch without a gap. The first page lists at the latest version and only
// asks the clusters it did not reach for theirs, so that a list that fits in
// one page costs one request per cluster.
func (h *Handler) listPage(ctx context.Context, c *call, clusters []string, version Version, limit int64) (*Page, error) {
	token := &continueToken{Version: version}
	fresh := false
	switch v := c.query.Get("continue"); {
	case v != "":
		t, err := parseContinue(v, clusters)
		if err != nil {
			return nil, err
		}
		token = t
	case version != nil:
		token.Cluster = nextVersioned(clusters, version)
	default:
		fresh = true
		token.Version = Version{}
		if len(clusters) > 0 {
			token.Cluster = clusters[0]
		}
	}
	page := &Page{Version: token.Version, APIVersion: "v1", Kind: "List", Table: c.table}
	if token.Cluster == "" {
		return page, nil
	}
	start := slices.Index(clusters, token.Cluster)
	remaining := limit
	memberToken := token.Member
	var failed []result[struct{}]
	for i := start; i < len(clusters); i++ {
		cluster := clusters[i]
		rv := token.Version[cluster]
		if rv == "" && !fresh {
			continue
		}
		q := memberQuery(c.query, nil, cluster)
		q.Del("continue")
		q.Del("resourceVersion")
		q.Del("resourceVersionMatch")
		if remaining > 0 {
			q.Set("limit", strconv.FormatInt(remaining, 10))
		} else {
			q.Del("limit")
		}
		switch {
		case memberToken != "":
			q.Set("continue", memberToken)
		case rv != "":
			q.Set("resourceVersion", rv)
			q.Set("resourceVersionMatch", "Exact")
		}
		l, err := h.listAnyNamespace(ctx, c, cluster, memberRequest{method: http.MethodGet, path: c.path, query: q, accept: c.accept()})
		memberToken = ""
		if err != nil {
			// A continue token of ours that a member refuses is still the
			// caller's bad request; so is an expired version (410).
			if !fresh && (apierrors.IsBadRequest(err) || apierrors.IsResourceExpired(err) || apierrors.IsGone(err)) {
				return nil, err
			}
			// A cluster that fails on the first page is left out of the
			// version, and so out of the next pages.
			failed = append(failed, result[struct{}]{cluster: cluster, err: err})
			continue
		}
		n := int64(len(l.Items) + len(l.Rows))
		if err := page.add(cluster, l); err != nil {
			return nil, err
		}
		if limit > 0 {
			remaining -= n
		}
		if l.Metadata.Continue == "" && (limit == 0 || remaining > 0) {
			continue
		}
		if fresh {
			h.versionRest(ctx, c, clusters[i+1:], page.Version)
		}
		if l.Metadata.Continue != "" {
			page.Continue = continueToken{Version: page.Version, Cluster: cluster, Member: l.Metadata.Continue}.encode()
		} else if next := nextVersioned(clusters[i+1:], page.Version); next != "" {
			page.Continue = continueToken{Version: page.Version, Cluster: next}.encode()
		}
		break
	}
	if _, err := settle(ctx, failed); err != nil && len(page.Items) == 0 && len(page.Version) == 0 {
		return nil, err
	}
	return page, nil
}

// versionRest adds to v the current version of each cluster the first page did
// not reach.
func (h *Handler) versionRest(ctx context.Context, c *call, clusters []string, v Version) {
	if len(clusters) == 0 {
		return
	}
	rest, err := h.currentVersion(ctx, c, clusters)
	if err != nil {
		return
	}
	for cluster, rv := range rest {
		v[cluster] = rv
	}
}

func nextVersioned(clusters []string, v Version) string {
	for _, c := range clusters {
		if v[c] != "" {
			return c
		}
	}
	return ""
}

// currentVersion asks every cluster for its current resourceVersion with the
// cheapest consistent list there is. Clusters that fail are left out of the
// version, with a warning, and so out of the pages; when every cluster fails,
// the error is the answer.
func (h *Handler) currentVersion(ctx context.Context, c *call, clusters []string) (Version, error) {
	results := fanOut(ctx, h, clusters, func(ctx context.Context, cluster string) (string, error) {
		q := url.Values{"limit": {"1"}}
		// As the pages list it: a member that allows only some namespaces
		// must not be left out of the version, and so of the next pages.
		l, err := h.listAnyNamespace(ctx, c, cluster, memberRequest{method: http.MethodGet, path: c.path, query: q, accept: "application/json"})
		if err != nil {
			return "", err
		}
		return l.Metadata.ResourceVersion, nil
	})
	ok, err := settle(ctx, results)
	if err != nil {
		return nil, err
	}
	v := Version{}
	for _, r := range ok {
		if r.value != "" {
			v[r.cluster] = r.value
		}
	}
	return v, nil
}

// ListMember lists path on one cluster, as the caller, whole, and returns its
// objects annotated with the cluster and sorted, and the list's resourceVersion.
// The search uses it for what its cache cannot answer.
func (h *Handler) ListMember(ctx context.Context, cluster, path string, query url.Values) ([]Item, string, error) {
	q := memberQuery(query, nil, cluster)
	for _, k := range []string{"limit", "continue", "watch"} {
		q.Del(k)
	}
	l, err := h.memberList(ctx, cluster, memberRequest{method: http.MethodGet, path: path, query: q, accept: "application/json"})
	if err != nil {
		return nil, "", err
	}
	items, err := l.items(cluster, "")
	if err != nil {
		return nil, "", apierrors.NewInternalError(fmt.Errorf("cluster %s answered an object this server cannot read: %w", cluster, err))
	}
	slices.SortFunc(items, func(a, b Item) int { return a.Key.Compare(b.Key) })
	return items, l.Metadata.ResourceVersion, nil
}
