package global

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/warning"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
)

// Warn adds the Warning header that names a cluster left out of an answer:
// 299 - "cluster member3: <reason>".
func Warn(ctx context.Context, cluster string, err error) {
	warning.AddWarning(ctx, "", fmt.Sprintf("cluster %s: %v", cluster, err))
}

// Targets returns the names of the clusters a request goes to, sorted: those
// named (every one must exist) or else every cluster. Clusters that are not Ready
// are left out, with a warning.
func (h *Handler) Targets(ctx context.Context, named []string) ([]string, error) {
	all, err := h.Clusters.ListClusters(ctx)
	if err != nil {
		return nil, err
	}
	byName := map[string]*clusterv1alpha1.Cluster{}
	for i := range all {
		byName[all[i].Name] = &all[i]
	}
	if len(named) == 0 {
		for name := range byName {
			named = append(named, name)
		}
	}
	var out []string
	for _, name := range named {
		c, ok := byName[name]
		if !ok {
			return nil, apierrors.NewNotFound(clusterv1alpha1.Resource("clusters"), name)
		}
		if cond := meta.FindStatusCondition(c.Status.Conditions, clusterv1alpha1.ClusterConditionReady); cond != nil && cond.Status != metav1.ConditionTrue {
			Warn(ctx, name, fmt.Errorf("not ready: %s", cond.Message))
			continue
		}
		out = append(out, name)
	}
	slices.Sort(out)
	// A cluster named twice is still one cluster.
	return slices.Compact(out), nil
}

// memberRequest is one request to one member.
type memberRequest struct {
	method string
	path   string
	query  url.Values
	accept string
}

// memberResponse is a member's successful answer.
type memberResponse struct {
	header http.Header
	body   []byte
}

// do sends a request to one member as the caller, within the per-cluster
// timeout, and reads the whole answer. A non-2xx answer becomes the member's
// Status error.
func (h *Handler) do(ctx context.Context, cluster string, r memberRequest) (*memberResponse, error) {
	if h.ClusterTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, h.ClusterTimeout)
		defer cancel()
	}
	resp, err := h.open(ctx, cluster, r)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, unreachable(ctx, cluster, err)
	}
	return &memberResponse{header: resp.Header, body: body}, nil
}

// open sends a request to one member as the caller and returns the response of
// a 2xx answer, with its body still to read.
func (h *Handler) open(ctx context.Context, cluster string, r memberRequest) (*http.Response, error) {
	m, rt, err := h.Members.RoundTripper(ctx, cluster)
	if err != nil {
		return nil, err
	}
	u := *m.Endpoint
	u.Path = strings.TrimSuffix(u.Path, "/") + r.path
	u.RawQuery = r.query.Encode()
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), nil)
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	req.Header.Set("Accept", r.accept)
	// Compressing on the member only to decompress here costs both sides CPU.
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return nil, unreachable(ctx, cluster, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return nil, memberError(resp.StatusCode, body)
	}
	return resp, nil
}

func unreachable(ctx context.Context, cluster string, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return apierrors.NewTimeoutError(fmt.Sprintf("cluster %s did not answer in time", cluster), 0)
	}
	return apierrors.NewServiceUnavailable(fmt.Sprintf("cluster %s is unreachable: %v", cluster, err))
}

// memberError turns a member's error answer into its Status error.
func memberError(code int, body []byte) error {
	var status metav1.Status
	if err := json.Unmarshal(body, &status); err == nil && status.Kind == "Status" {
		status.Code = int32(code)
		return &apierrors.StatusError{ErrStatus: status}
	}
	return apierrors.NewGenericServerResponse(code, "", schema.GroupResource{}, "", string(bytes.TrimSpace(body)), 0, false)
}

// result is one cluster's part of a fan-out.
type result[T any] struct {
	cluster string
	value   T
	err     error
}

// fanOut runs fn for every cluster, at most Concurrency at a time, and returns
// the results in the order of clusters. It never fails as a whole: each cluster's
// error is in its slot.
func fanOut[T any](ctx context.Context, h *Handler, clusters []string, fn func(ctx context.Context, cluster string) (T, error)) []result[T] {
	out := make([]result[T], len(clusters))
	// Not errgroup.WithContext: what fn opens (a watch stream) may outlive the
	// fan-out.
	var g errgroup.Group
	if h.Concurrency > 0 {
		g.SetLimit(h.Concurrency)
	}
	for i, c := range clusters {
		g.Go(func() error {
			v, err := fn(ctx, c)
			out[i] = result[T]{cluster: c, value: v, err: err}
			return nil
		})
	}
	_ = g.Wait()
	return out
}

// settle sorts the failed clusters of a fan-out read: a cluster that forbids the
// caller or does not serve the resource is left out silently (the caller sees
// what they may see), any other failure is left out with a warning. It returns
// the error to answer with when no cluster succeeded.
func settle[T any](ctx context.Context, results []result[T]) (ok []result[T], err error) {
	var first, firstForbidden, firstMissing error
	for _, r := range results {
		switch {
		case r.err == nil:
			ok = append(ok, r)
		case apierrors.IsForbidden(r.err):
			if firstForbidden == nil {
				firstForbidden = r.err
			}
		case apierrors.IsNotFound(r.err):
			if firstMissing == nil {
				firstMissing = r.err
			}
		default:
			Warn(ctx, r.cluster, r.err)
			if first == nil {
				first = r.err
			}
		}
	}
	if len(ok) > 0 {
		return ok, nil
	}
	for _, e := range []error{firstForbidden, firstMissing, first} {
		if e != nil {
			return nil, e
		}
	}
	return nil, nil
}
