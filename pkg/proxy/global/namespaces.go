package global

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// NamespaceAccess finds the namespaces of a cluster in which the member's RBAC
// lets the caller of ctx do verb on a resource.
type NamespaceAccess interface {
	AllowedNamespaces(ctx context.Context, cluster, verb, group, version, resource string) ([]string, error)
}

// listAnyNamespace lists one cluster for a list over all namespaces. When the
// member forbids the caller the cluster-wide list, but lets them list in some
// namespaces (the usual shape of a team's RBAC), the answer is the union of
// those namespaces' lists: what `kubectl get -A` means to that caller.
//
// Such an answer is paginated by this server: its continue token (inside the
// multi-cluster one) names the last object served.
func (h *Handler) listAnyNamespace(ctx context.Context, c *call, cluster string, r memberRequest) (*memberList, error) {
	after, resumed, err := parseAfter(r.query.Get("continue"))
	if err != nil {
		return nil, err
	}
	if !resumed {
		l, err := h.memberList(ctx, cluster, r)
		if err == nil || !apierrors.IsForbidden(err) || h.Namespaces == nil || c.info.Namespace != "" {
			return l, err
		}
	}
	err = apierrors.NewForbidden(schema.GroupResource{Group: c.info.APIGroup, Resource: c.info.Resource}, "",
		fmt.Errorf("cluster %s lets the caller list it in no namespace", cluster))
	namespaces, nsErr := h.Namespaces.AllowedNamespaces(ctx, cluster, "list", c.info.APIGroup, c.info.APIVersion, c.info.Resource)
	if nsErr != nil {
		Warn(ctx, cluster, nsErr)
		return nil, err
	}
	if len(namespaces) == 0 {
		return nil, err
	}
	q := memberQuery(r.query, nil, cluster)
	for _, k := range []string{"limit", "continue", "resourceVersion", "resourceVersionMatch"} {
		q.Del(k)
	}
	// The namespaces are listed in parallel, at most Concurrency at a time,
	// and merged in their order.
	parts := make([]*memberList, len(namespaces))
	g, gctx := errgroup.WithContext(ctx)
	if h.Concurrency > 0 {
		g.SetLimit(h.Concurrency)
	}
	for i, ns := range namespaces {
		g.Go(func() error {
			part, err := h.memberList(gctx, cluster, memberRequest{method: http.MethodGet, path: namespacedPath(c, ns), query: q, accept: r.accept})
			if apierrors.IsNotFound(err) || apierrors.IsForbidden(err) {
				return nil
			}
			parts[i] = part
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var merged *memberList
	for _, part := range parts {
		if part == nil {
			continue
		}
		if merged == nil {
			merged = part
			continue
		}
		merged.Items = append(merged.Items, part.Items...)
		merged.Rows = append(merged.Rows, part.Rows...)
		// The list is as old as its oldest part, so that a watch resumed
		// from its version misses no event of any namespace.
		if newerVersion(merged.Metadata.ResourceVersion, part.Metadata.ResourceVersion) {
			merged.Metadata.ResourceVersion = part.Metadata.ResourceVersion
		}
	}
	if merged == nil {
		return nil, err
	}
	merged.Metadata.Continue = ""
	limit, _ := strconv.Atoi(r.query.Get("limit"))
	if err := merged.page(after, limit); err != nil {
		return nil, err
	}
	return merged, nil
}

// afterPrefix marks a continue token of a list this server assembled from a
// member's namespaces.
const afterPrefix = "after."

// parseAfter decodes such a token: the namespace and name of the last object
// served.
func parseAfter(token string) (ObjectKey, bool, error) {
	if !strings.HasPrefix(token, afterPrefix) {
		return ObjectKey{}, false, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(token, afterPrefix))
	var key ObjectKey
	if err != nil || json.Unmarshal(raw, &key) != nil {
		return key, false, apierrors.NewBadRequest(fmt.Sprintf("continue token %q is not valid for this request", truncate(token)))
	}
	return key, true, nil
}

// page keeps, of a list in (namespace, name) order, at most limit objects after
// the key after, and sets the continue token when more remain.
func (l *memberList) page(after ObjectKey, limit int) error {
	n := len(l.Items) + len(l.Rows)
	start := 0
	if after != (ObjectKey{}) {
		for start < n {
			key, err := l.key(start)
			if err != nil {
				return err
			}
			if key.Compare(after) > 0 {
				break
			}
			start++
		}
	}
	end := n
	if limit > 0 && start+limit < n {
		end = start + limit
		last, err := l.key(end - 1)
		if err != nil {
			return err
		}
		raw, _ := json.Marshal(last)
		l.Metadata.Continue = afterPrefix + base64.RawURLEncoding.EncodeToString(raw)
	}
	if l.isTable() {
		l.Rows = l.Rows[start:end]
	} else {
		l.Items = l.Items[start:end]
	}
	return nil
}

// key is the namespace and name of the i-th object (or row) of the list.
func (l *memberList) key(i int) (ObjectKey, error) {
	raw := []byte(nil)
	if l.isTable() {
		raw = l.Rows[i].Object
	} else {
		raw = l.Items[i]
	}
	if len(raw) == 0 {
		return ObjectKey{}, nil
	}
	_, key, err := Annotate(raw, "", "")
	key.Cluster = ""
	return key, err
}

// namespacedPath is the path of the call's collection in one namespace.
func namespacedPath(c *call, ns string) string {
	prefix := "/" + c.info.APIPrefix + "/"
	if c.info.APIGroup != "" {
		prefix += c.info.APIGroup + "/"
	}
	prefix += c.info.APIVersion
	return prefix + "/namespaces/" + ns + strings.TrimPrefix(c.path, prefix)
}

// newerVersion compares two of one member's resourceVersions, which are etcd
// revisions: longer is newer, then by digits.
func newerVersion(a, b string) bool {
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}
