package search

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/endpoints/request"

	"github.com/fleetplane/fleetplane/pkg/auth/memberaccess"
	"github.com/fleetplane/fleetplane/pkg/proxy/global"
	"github.com/fleetplane/fleetplane/pkg/search/cache"
)

// freshnessWait is how long a query that names a resourceVersion waits for the
// cache to catch up with it before asking the member instead.
const freshnessWait = 2 * time.Second

// clusterPart is what one cluster contributes to an answer.
type clusterPart struct {
	items []global.Item
	// more is true when the cluster has more matches than were asked for.
	more    bool
	version string
	// denied is true when the member's RBAC denies the caller the whole query.
	denied bool
	// kind is the kind of the objects, when known.
	kind string
}

func (h *Handler) serve(ctx context.Context, w http.ResponseWriter, q *searchQuery) error {
	caller, ok := request.UserFrom(ctx)
	if !ok {
		return apierrors.NewUnauthorized("no caller identity in the request")
	}
	clusters, err := h.Global.Targets(ctx, q.clusters)
	if err != nil {
		return err
	}
	start, after := 0, cache.Key{}
	version := global.Version{}
	if q.cont != "" {
		t, err := parseToken(q.cont, clusters)
		if err != nil {
			return err
		}
		start, after, version = t.index, t.After, t.Version
	}
	page := &global.Page{Version: version, APIVersion: q.gvr.GroupVersion().String(), Kind: "List", Table: q.table}
	if q.cont == "" {
		// The version of a first page covers every cluster the cache answers
		// for, so a watch from it resumes them all.
		for _, cluster := range clusters {
			if shard, ok := h.Cache.Lookup(cluster, q.gvr); ok && shard.Complete() {
				version[cluster] = shard.ResourceVersion()
			}
		}
	}
	remaining := q.limit
	denied, visited := 0, 0
	for i := start; i < len(clusters); i++ {
		cluster := clusters[i]
		ask := 0
		if q.limit > 0 {
			ask = remaining + 1
		}
		part, err := h.clusterPart(ctx, caller, cluster, q, after, ask)
		after = cache.Key{}
		if err != nil {
			if !apierrors.IsNotFound(err) && !apierrors.IsForbidden(err) {
				global.Warn(ctx, cluster, err)
			} else if apierrors.IsForbidden(err) {
				denied++
			}
			visited++
			continue
		}
		visited++
		if part.kind != "" {
			page.Kind = part.kind + "List"
		}
		if part.denied {
			denied++
		}
		if _, ok := version[cluster]; !ok && part.version != "" {
			version[cluster] = part.version
		}
		if q.limit > 0 && len(part.items) > remaining {
			part.items, part.more = part.items[:remaining], true
		}
		page.Items = append(page.Items, part.items...)
		remaining -= len(part.items)
		if q.limit == 0 {
			continue
		}
		if part.more {
			last := part.items[len(part.items)-1].Key
			page.Continue = token{Version: version, Cluster: cluster, After: cache.Key{Namespace: last.Namespace, Name: last.Name}}.encode()
			break
		}
		if remaining == 0 && i+1 < len(clusters) {
			page.Continue = token{Version: version, Cluster: clusters[i+1]}.encode()
			break
		}
	}
	if visited > 0 && denied == visited && len(page.Items) == 0 {
		return apierrors.NewForbidden(q.gvr.GroupResource(), q.info.Name,
			fmt.Errorf("no cluster lets %q %s %s in %s", caller.GetName(), q.info.Verb, q.gvr.Resource, scope(q.filter.Namespace)))
	}
	if q.info.Verb == "get" {
		return h.writeOne(w, q, page)
	}
	if q.table {
		toTable(page)
	}
	page.Write(w)
	return nil
}

// clusterPart answers the query for one cluster, from the cache when its shard
// can answer completely, else from the member.
func (h *Handler) clusterPart(ctx context.Context, caller user.Info, cluster string, q *searchQuery, after cache.Key, limit int) (*clusterPart, error) {
	if shard, ok := h.Cache.Lookup(cluster, q.gvr); ok && h.answerable(ctx, shard, q, cluster) {
		cache.RecordHit()
		allow, denied, err := h.allow(ctx, caller, cluster, q)
		if err != nil {
			return nil, err
		}
		if denied {
			return &clusterPart{denied: true, version: shard.ResourceVersion()}, nil
		}
		f := q.filter
		f.After, f.Limit, f.Allow = after, limit, allow
		entries := shard.Select(f)
		part := &clusterPart{version: shard.ResourceVersion(), kind: shard.Kind(), items: make([]global.Item, 0, len(entries))}
		for _, e := range entries {
			part.items = append(part.items, global.Item{
				Key:    global.ObjectKey{Cluster: cluster, Namespace: e.Namespace, Name: e.Name},
				Object: e.Object,
			})
		}
		return part, nil
	}
	cache.RecordMiss()
	live := q.live
	if q.filter.Name != "" {
		live = maps.Clone(live)
		live.Set("fieldSelector", "metadata.name="+q.filter.Name)
	}
	items, rv, err := h.Global.ListMember(ctx, cluster, q.path, live)
	if err != nil {
		return nil, err
	}
	part := &clusterPart{version: rv}
	for _, it := range items {
		k := cache.Key{Namespace: it.Key.Namespace, Name: it.Key.Name}
		if !matches(q.filter, k) || (after != cache.Key{} && k.Compare(after) <= 0) {
			continue
		}
		part.items = append(part.items, it)
		if limit > 0 && len(part.items) == limit {
			break
		}
	}
	return part, nil
}

// answerable reports whether the shard can answer q completely: it has listed,
// has evicted nothing, covers the namespace and is at least as new as the
// version the query names (waiting a little for it).
func (h *Handler) answerable(ctx context.Context, shard *cache.Shard, q *searchQuery, cluster string) bool {
	if !shard.Complete() || !shard.Covers(q.filter.Namespace) {
		return false
	}
	want, err := strconv.ParseUint(q.version[cluster], 10, 64)
	if err != nil {
		return true
	}
	deadline := time.Now().Add(freshnessWait)
	for {
		have, err := strconv.ParseUint(shard.ResourceVersion(), 10, 64)
		if err != nil || have >= want {
			return shard.Complete()
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// allow returns the namespace filter that keeps what the member's RBAC lets the
// caller see: nil when the caller may see the whole scope of the query, and
// denied when they may see none of it.
func (h *Handler) allow(ctx context.Context, caller user.Info, cluster string, q *searchQuery) (func(string) bool, bool, error) {
	attrs := memberaccess.Attributes{Verb: q.info.Verb, Group: q.gvr.Group, Version: q.gvr.Version, Resource: q.gvr.Resource,
		Namespace: q.filter.Namespace, Name: q.info.Name}
	whole, err := h.Access.Allowed(ctx, cluster, caller, attrs)
	if err != nil {
		return nil, false, err
	}
	if whole {
		return nil, false, nil
	}
	if q.filter.Namespace != "" || q.info.Namespace == "" && !q.namespaced() {
		return nil, true, nil
	}
	// Cluster-wide denied: keep the namespaces the caller may see.
	var failed error
	allow := func(ns string) bool {
		a := attrs
		a.Namespace = ns
		ok, err := h.Access.Allowed(ctx, cluster, caller, a)
		if err != nil && failed == nil {
			failed = err
			global.Warn(ctx, cluster, err)
		}
		return ok
	}
	return allow, false, nil
}

// namespaced reports whether the query's resource lives in namespaces, judged
// from the request path.
func (q *searchQuery) namespaced() bool {
	return q.info.Namespace != "" || q.info.Resource != "namespaces" && !clusterScoped[q.gvr.Resource]
}

// clusterScoped are the common cluster-scoped resources; any other resource
// queried over all namespaces is checked per namespace when the cluster-wide
// check fails, which is correct for both scopes (a cluster-scoped object has
// the namespace "", which the per-namespace check denies).
var clusterScoped = map[string]bool{"nodes": true, "namespaces": true, "persistentvolumes": true,
	"clusterroles": true, "clusterrolebindings": true, "customresourcedefinitions": true, "storageclasses": true}

func matches(f cache.Query, k cache.Key) bool {
	switch {
	case f.Name != "" && k.Name != f.Name:
		return false
	case f.Name == "" && f.NamePrefix != "" && !strings.HasPrefix(k.Name, f.NamePrefix):
		return false
	case f.Fuzzy != "" && !cache.FuzzyMatch(k.Name, f.Fuzzy):
		return false
	case f.Namespace != "" && k.Namespace != f.Namespace:
		return false
	}
	return true
}

// writeOne answers a get: the one object of that name.
func (h *Handler) writeOne(w http.ResponseWriter, q *searchQuery, page *global.Page) error {
	switch len(page.Items) {
	case 0:
		return apierrors.NewNotFound(q.gvr.GroupResource(), q.info.Name)
	case 1:
		if q.table {
			page.Version = nil
			toTable(page)
			page.Write(w)
			return nil
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(page.Items[0].Object)
		return nil
	default:
		var names []string
		for _, it := range page.Items {
			names = append(names, it.Key.Cluster)
		}
		return apierrors.NewConflict(q.gvr.GroupResource(), q.info.Name,
			fmt.Errorf("it exists in clusters %s; choose one with the %q parameter", strings.Join(names, ", "), global.ClustersParam))
	}
}

// toTable turns a page of objects into a Table of name and age (the cache
// keeps objects, not the members' printers).
func toTable(page *global.Page) {
	page.Table = true
	page.Columns = []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: "Name of the object."},
		{Name: "Age", Type: "string", Description: "Time since the object was created."},
	}
	now := time.Now()
	for i := range page.Items {
		it := &page.Items[i]
		var obj struct {
			Metadata struct {
				CreationTimestamp metav1.Time `json:"creationTimestamp"`
			} `json:"metadata"`
		}
		_ = json.Unmarshal(it.Object, &obj)
		age := "<unknown>"
		if !obj.Metadata.CreationTimestamp.IsZero() {
			age = duration.HumanDuration(now.Sub(obj.Metadata.CreationTimestamp.Time))
		}
		name, _ := json.Marshal(it.Key.Name)
		ageJSON, _ := json.Marshal(age)
		it.Cells = []json.RawMessage{name, ageJSON}
	}
}

func scope(namespace string) string {
	if namespace == "" {
		return "any namespace"
	}
	return "namespace " + namespace
}
