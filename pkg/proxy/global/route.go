package global

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apiserver/pkg/registry/rest"
)

// maxBody bounds the body of a write whose resourceVersion is translated.
const maxBody = 3 << 20

// route sends a write, or a request for a subresource, to the one cluster that
// holds the object. A create, or a delete of a collection, has no object to
// find: it needs exactly one cluster in the clusters parameter.
func (h *Handler) route(ctx context.Context, w http.ResponseWriter, c *call, responder rest.Responder) error {
	var cluster string
	switch {
	case c.info.Name == "" || c.info.Verb == "deletecollection":
		clusters, err := h.Targets(ctx, c.named)
		if err != nil {
			return err
		}
		if len(c.named) != 1 || len(clusters) != 1 {
			return apierrors.NewBadRequest(fmt.Sprintf("a %s through the global proxy goes to one cluster: name exactly one, Ready, in the %q parameter",
				c.info.Verb, ClustersParam))
		}
		cluster = clusters[0]
	default:
		owners, err := h.find(ctx, c, "application/json")
		if err != nil {
			return err
		}
		cluster = owners[0].cluster
	}
	req := c.req.Clone(ctx)
	req.URL.RawQuery = c.query.Encode()
	if c.method == http.MethodPut && c.info.Subresource != "log" {
		if err := translateVersion(req, cluster); err != nil {
			return err
		}
	}
	handler, err := h.Members.Connect(ctx, cluster, c.path, responder)
	if err != nil {
		return err
	}
	handler.ServeHTTP(w, req)
	return nil
}

// translateVersion replaces a multi-cluster metadata.resourceVersion in the body
// of an update (as an informer fed by a merged watch holds it) with the owning
// cluster's own version.
func translateVersion(req *http.Request, cluster string) error {
	if req.Body == nil {
		return nil
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, maxBody+1))
	if err != nil {
		return apierrors.NewBadRequest(fmt.Sprintf("reading the request body: %v", err))
	}
	if len(body) > maxBody {
		return apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("the body of an update through the global proxy is limited to %d bytes", maxBody))
	}
	defer func() {
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
		req.Header.Set("Content-Length", strconv.Itoa(len(body)))
	}()
	var obj struct {
		Metadata struct {
			ResourceVersion string `json:"resourceVersion"`
		} `json:"metadata"`
	}
	if json.Unmarshal(body, &obj) != nil || !IsVersion(obj.Metadata.ResourceVersion) {
		return nil
	}
	v, _, err := ParseVersion(obj.Metadata.ResourceVersion)
	if err != nil {
		return err
	}
	if v[cluster] == "" {
		return apierrors.NewBadRequest(fmt.Sprintf("metadata.resourceVersion has no version of cluster %s", cluster))
	}
	var meta, rv [1]span
	if _, err := fieldSpans(body, 0, []string{"metadata"}, meta[:]); err != nil || meta[0].end == 0 {
		return nil
	}
	if _, err := fieldSpans(body, meta[0].start, []string{"resourceVersion"}, rv[:]); err != nil || rv[0].end == 0 {
		return nil
	}
	s := rv[0]
	body = splice(nil, body, []edit{{s.start, s.end, strconv.Quote(v[cluster])}})
	return nil
}
