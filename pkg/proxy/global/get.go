package global

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/endpoints/request"
)

// found is a cluster's copy of a named object.
type found struct {
	body []byte
}

// get answers a get of one named object: from the one cluster that has it.
func (h *Handler) get(ctx context.Context, w http.ResponseWriter, c *call) error {
	owners, err := h.find(ctx, c, c.accept())
	if err != nil {
		return err
	}
	owner := owners[0]
	var l memberList
	if c.table {
		if err := decodeJSON(owner.value.body, &l); err != nil {
			return err
		}
	}
	page := &Page{Version: Version{}}
	if l.isTable() {
		if err := page.add(owner.cluster, &l); err != nil {
			return err
		}
		page.Version = nil
		page.Write(w)
		return nil
	}
	obj, _, err := Annotate(owner.value.body, owner.cluster, "")
	if err != nil {
		return apierrors.NewInternalError(fmt.Errorf("cluster %s answered an object this server cannot read: %w", owner.cluster, err))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(obj)
	return nil
}

// find gets the named object of a call (without its subresource) from every
// target cluster and returns the one cluster that has it: 404 when none does,
// 409 naming them when several do.
func (h *Handler) find(ctx context.Context, c *call, accept string) ([]result[found], error) {
	clusters, err := h.Targets(ctx, c.named)
	if err != nil {
		return nil, err
	}
	version, _, err := ParseVersion(c.query.Get("resourceVersion"))
	if err != nil {
		return nil, err
	}
	path := objectPath(c.info)
	results := fanOut(ctx, h, clusters, func(ctx context.Context, cluster string) (found, error) {
		q := memberQuery(c.query, version, cluster)
		if c.info.Subresource != "" {
			q = nil
		}
		resp, err := h.do(ctx, cluster, memberRequest{method: http.MethodGet, path: path, query: q, accept: accept})
		if err != nil {
			return found{}, err
		}
		return found{body: resp.body}, nil
	})
	owners, err := settle(ctx, results)
	if err != nil {
		return nil, err
	}
	gr := schema.GroupResource{Group: c.info.APIGroup, Resource: c.info.Resource}
	switch len(owners) {
	case 0:
		return nil, apierrors.NewNotFound(gr, c.info.Name)
	case 1:
		return owners, nil
	default:
		var names []string
		for _, o := range owners {
			names = append(names, o.cluster)
		}
		return nil, apierrors.NewConflict(gr, c.info.Name, fmt.Errorf("it exists in clusters %s; choose one with the %q parameter",
			strings.Join(names, ", "), ClustersParam))
	}
}

// CollectionPath is the path of the collection a request names, in its
// namespace if it has one: /api/v1/namespaces/NS/pods, /apis/apps/v1/deployments.
func CollectionPath(info *request.RequestInfo) string {
	p := "/" + info.APIPrefix
	if info.APIGroup != "" {
		p += "/" + info.APIGroup
	}
	p += "/" + info.APIVersion
	if info.Namespace != "" && info.Resource != "namespaces" {
		p += "/namespaces/" + info.Namespace
	}
	return p + "/" + info.Resource
}

// objectPath is the path of the named object of a request, without its
// subresource.
func objectPath(info *request.RequestInfo) string {
	return CollectionPath(info) + "/" + info.Name
}

func decodeJSON(body []byte, into any) error {
	if err := json.Unmarshal(body, into); err != nil {
		return apierrors.NewInternalError(fmt.Errorf("a member answered JSON this server cannot read: %w", err))
	}
	return nil
}
