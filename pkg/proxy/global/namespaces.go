package global

import (
	"context"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
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
func (h *Handler) listAnyNamespace(ctx context.Context, c *call, cluster string, r memberRequest) (*memberList, error) {
	l, err := h.memberList(ctx, cluster, r)
	if err == nil || !apierrors.IsForbidden(err) || h.Namespaces == nil || c.info.Namespace != "" {
		return l, err
	}
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
	var merged *memberList
	for _, ns := range namespaces {
		part, err := h.memberList(ctx, cluster, memberRequest{method: http.MethodGet, path: namespacedPath(c, ns), query: q, accept: r.accept})
		if apierrors.IsNotFound(err) || apierrors.IsForbidden(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if merged == nil {
			merged = part
			continue
		}
		merged.Items = append(merged.Items, part.Items...)
		merged.Rows = append(merged.Rows, part.Rows...)
		if newerVersion(part.Metadata.ResourceVersion, merged.Metadata.ResourceVersion) {
			merged.Metadata.ResourceVersion = part.Metadata.ResourceVersion
		}
	}
	if merged == nil {
		return nil, err
	}
	merged.Metadata.Continue = ""
	return merged, nil
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
