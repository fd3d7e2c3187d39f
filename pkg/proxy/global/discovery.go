package global

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/registry/rest"
)

// serveNonResource answers requests outside resources. Discovery (/apis,
// /apis/GROUP, /api/VERSION and /apis/GROUP/VERSION) is the union of the
// clusters' discovery, so that kubectl pointed at the global proxy knows every
// type some cluster serves. Everything else (/api, /version, /openapi/...) is
// answered by the first cluster.
func (h *Handler) serveNonResource(ctx context.Context, w http.ResponseWriter, c *call, responder rest.Responder) error {
	if c.method != http.MethodGet {
		return apierrors.NewMethodNotSupported(metav1.SchemeGroupVersion.WithResource("").GroupResource(), c.method)
	}
	parts := strings.Split(strings.Trim(c.path, "/"), "/")
	discovery := (parts[0] == "apis" && len(parts) <= 3) || (parts[0] == "api" && len(parts) == 2)
	clusters, err := h.Targets(ctx, c.named)
	if err != nil {
		return err
	}
	if len(clusters) == 0 {
		return apierrors.NewServiceUnavailable("no Ready cluster to answer")
	}
	if !discovery {
		req := c.req.Clone(ctx)
		req.URL.RawQuery = c.query.Encode()
		handler, err := h.Members.Connect(ctx, clusters[0], c.path, responder)
		if err != nil {
			return err
		}
		handler.ServeHTTP(w, req)
		return nil
	}
	// Plain JSON only: aggregated discovery (apidiscovery.k8s.io) is not
	// merged, and clients fall back to this form.
	results := fanOut(ctx, h, clusters, func(ctx context.Context, cluster string) ([]byte, error) {
		resp, err := h.do(ctx, cluster, memberRequest{method: http.MethodGet, path: c.path, accept: "application/json"})
		if err != nil {
			return nil, err
		}
		return resp.body, nil
	})
	ok, err := settle(ctx, results)
	if err != nil {
		return err
	}
	var merged any
	switch {
	case len(parts) == 1:
		merged, err = mergeGroupLists(ok)
	case parts[0] == "apis" && len(parts) == 2:
		merged, err = mergeGroups(ok)
	default:
		merged, err = mergeResourceLists(ok)
	}
	if err != nil {
		return err
	}
	body, _ := json.Marshal(merged)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	return nil
}

func mergeGroupLists(results []result[[]byte]) (*metav1.APIGroupList, error) {
	out := &metav1.APIGroupList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"}}
	index := map[string]int{}
	for _, r := range results {
		var l metav1.APIGroupList
		if err := decodeJSON(r.value, &l); err != nil {
			return nil, err
		}
		for _, g := range l.Groups {
			i, ok := index[g.Name]
			if !ok {
				index[g.Name] = len(out.Groups)
				g.ServerAddressByClientCIDRs = nil
				out.Groups = append(out.Groups, g)
				continue
			}
			out.Groups[i].Versions = unionVersions(out.Groups[i].Versions, g.Versions)
		}
	}
	return out, nil
}

func mergeGroups(results []result[[]byte]) (*metav1.APIGroup, error) {
	var out *metav1.APIGroup
	for _, r := range results {
		var g metav1.APIGroup
		if err := decodeJSON(r.value, &g); err != nil {
			return nil, err
		}
		g.ServerAddressByClientCIDRs = nil
		if out == nil {
			out = &g
			continue
		}
		out.Versions = unionVersions(out.Versions, g.Versions)
	}
	return out, nil
}

func unionVersions(have, more []metav1.GroupVersionForDiscovery) []metav1.GroupVersionForDiscovery {
	for _, v := range more {
		if !slices.ContainsFunc(have, func(x metav1.GroupVersionForDiscovery) bool { return x.Version == v.Version }) {
			have = append(have, v)
		}
	}
	return have
}

func mergeResourceLists(results []result[[]byte]) (*metav1.APIResourceList, error) {
	var out *metav1.APIResourceList
	for _, r := range results {
		var l metav1.APIResourceList
		if err := decodeJSON(r.value, &l); err != nil {
			return nil, err
		}
		if out == nil {
			out = &l
			continue
		}
		for _, res := range l.APIResources {
			if !slices.ContainsFunc(out.APIResources, func(x metav1.APIResource) bool { return x.Name == res.Name }) {
				out.APIResources = append(out.APIResources, res)
			}
		}
	}
	return out, nil
}
