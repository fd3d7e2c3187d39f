package membertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/warning"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/proxy"
)

// Fleet is the Cluster objects and the members of a fake control plane: it is
// the global proxy's ClusterLister and Members.
type Fleet struct {
	mu        sync.Mutex
	clusters  []clusterv1alpha1.Cluster
	members   map[string]*Member
	connected []Connection
}

// Connection is a request the fleet's Connect forwarded to one member.
type Connection struct {
	Cluster, Path string
}

// NewFleet starts one Ready member per name; the i-th member's
// resourceVersions start after 100*(i+1).
func NewFleet(t testing.TB, names ...string) *Fleet {
	t.Helper()
	f := &Fleet{members: map[string]*Member{}}
	for i, name := range names {
		f.Add(Cluster(name, nil, metav1.ConditionTrue, ""), NewMember(t, name, int64(100*(i+1))))
	}
	return f
}

// Cluster returns a Cluster with a Ready condition of status ("" for none).
func Cluster(name string, lbls map[string]string, ready metav1.ConditionStatus, message string) clusterv1alpha1.Cluster {
	c := clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: lbls}}
	if ready != "" {
		meta.SetStatusCondition(&c.Status.Conditions, metav1.Condition{Type: clusterv1alpha1.ClusterConditionReady,
			Status: ready, Reason: "Test", Message: message})
	}
	return c
}

// Add adds a cluster, served by m (nil for a cluster nothing serves).
func (f *Fleet) Add(c clusterv1alpha1.Cluster, m *Member) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clusters = append(f.clusters, c)
	if m != nil {
		f.members[c.Name] = m
	}
}

// Member returns the member serving a cluster.
func (f *Fleet) Member(name string) *Member {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.members[name]
}

// SetReady sets a cluster's Ready condition.
func (f *Fleet) SetReady(name string, status metav1.ConditionStatus, message string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.clusters {
		if f.clusters[i].Name == name {
			meta.SetStatusCondition(&f.clusters[i].Status.Conditions, metav1.Condition{Type: clusterv1alpha1.ClusterConditionReady,
				Status: status, Reason: "Test", Message: message})
		}
	}
}

// ListClusters returns the clusters, in the order they were added.
func (f *Fleet) ListClusters(context.Context) ([]clusterv1alpha1.Cluster, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]clusterv1alpha1.Cluster, len(f.clusters))
	for i := range f.clusters {
		f.clusters[i].DeepCopyInto(&out[i])
	}
	return out, nil
}

// Connections returns the requests Connect forwarded, in order.
func (f *Fleet) Connections() []Connection {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.connected)
}

func (f *Fleet) member(ctx context.Context, cluster string) (*Member, user.Info, error) {
	caller, ok := request.UserFrom(ctx)
	if !ok {
		return nil, nil, apierrors.NewUnauthorized("no caller identity in the request")
	}
	m := f.Member(cluster)
	if m == nil {
		return nil, nil, apierrors.NewServiceUnavailable(fmt.Sprintf("cluster %s has no member", cluster))
	}
	return m, caller, nil
}

// RoundTripper returns the transport to a member; it marks every request with
// the caller's name in Impersonate-User, as the real proxy impersonates.
func (f *Fleet) RoundTripper(ctx context.Context, cluster string) (*proxy.Member, http.RoundTripper, error) {
	m, caller, err := f.member(ctx, cluster)
	if err != nil {
		return nil, nil, err
	}
	rt := m.Server.Client().Transport
	return &proxy.Member{Endpoint: m.URL, Transport: rt}, &impersonating{user: caller.GetName(), next: rt}, nil
}

type impersonating struct {
	user string
	next http.RoundTripper
}

func (i *impersonating) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Impersonate-User", i.user)
	return i.next.RoundTrip(req)
}

// Connect returns a handler forwarding a request to path on the member, and
// records the cluster it was for.
func (f *Fleet) Connect(ctx context.Context, cluster, path string, responder rest.Responder) (http.Handler, error) {
	m, caller, err := f.member(ctx, cluster)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.connected = append(f.connected, Connection{Cluster: cluster, Path: path})
	f.mu.Unlock()
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		u := *m.URL
		u.Path = path
		u.RawQuery = req.URL.RawQuery
		out, err := http.NewRequestWithContext(req.Context(), req.Method, u.String(), req.Body)
		if err != nil {
			responder.Error(err)
			return
		}
		out.Header = req.Header.Clone()
		out.Header.Set("Impersonate-User", caller.GetName())
		resp, err := m.Server.Client().Do(out)
		if err != nil {
			responder.Error(apierrors.NewServiceUnavailable(err.Error()))
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}), nil
}

// Warnings collects the texts of the warnings of a request.
type Warnings struct {
	mu    sync.Mutex
	texts []string
}

// AddWarning implements warning.Recorder.
func (w *Warnings) AddWarning(_, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.texts = append(w.texts, text)
}

// Texts returns the warnings so far.
func (w *Warnings) Texts() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.texts)
}

// Alice is the caller of the requests Context makes.
var Alice = &user.DefaultInfo{Name: "alice", Groups: []string{"team-a", user.AllAuthenticated}}

// Context returns the context of a request by caller that records its warnings.
func Context(parent context.Context, caller user.Info) (context.Context, *Warnings) {
	w := &Warnings{}
	return warning.WithWarningRecorder(request.WithUser(parent, caller), w), w
}

// Responder records what a handler answered through it.
type Responder struct {
	mu   sync.Mutex
	Err  error
	Code int
	Obj  runtime.Object
}

// Object implements rest.Responder.
func (r *Responder) Object(code int, obj runtime.Object) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Code, r.Obj = code, obj
}

// Error implements rest.Responder.
func (r *Responder) Error(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.Err != nil {
		panic(fmt.Sprintf("Responder.Error called twice: %v, then %v", r.Err, err))
	}
	r.Err = err
}

// Connecter is the global proxy's and the search's Connect.
type Connecter interface {
	Connect(ctx context.Context, path string, responder rest.Responder) (http.Handler, error)
}

// Call is one request to a Connecter.
type Call struct {
	Method string // GET when empty
	// Path is the Kubernetes API path; Query the raw query, with clusters=.
	Path, Query string
	Accept      string
	Body        string
	// Caller is Alice when nil.
	Caller user.Info
}

// Result is the answer to a Call.
type Result struct {
	// Code is the status of the answer, or of the error given to the responder.
	Code     int
	Err      error
	Header   http.Header
	Body     []byte
	Warnings []string
}

// Do serves a call with an httptest.ResponseRecorder.
func Do(t testing.TB, h Connecter, c Call) *Result {
	t.Helper()
	if c.Method == "" {
		c.Method = http.MethodGet
	}
	if c.Caller == nil {
		c.Caller = Alice
	}
	ctx, warnings := Context(context.Background(), c.Caller)
	responder := &Responder{}
	handler, err := h.Connect(ctx, c.Path, responder)
	if err != nil {
		t.Fatalf("Connect(%s): %v", c.Path, err)
	}
	target := "/proxy" + c.Path
	if c.Query != "" {
		target += "?" + c.Query
	}
	var body io.Reader
	if c.Body != "" {
		body = strings.NewReader(c.Body)
	}
	req := httptest.NewRequest(c.Method, target, body)
	if c.Accept != "" {
		req.Header.Set("Accept", c.Accept)
	}
	if c.Body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req.WithContext(ctx))
	res := &Result{Code: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes(), Warnings: warnings.Texts(), Err: responder.Err}
	if responder.Err != nil {
		res.Code = http.StatusInternalServerError
		if s, ok := responder.Err.(apierrors.APIStatus); ok {
			res.Code = int(s.Status().Code)
		}
		if rec.Body.Len() > 0 {
			t.Errorf("%s %s: the handler both wrote a body and gave the responder %v", c.Method, c.Path, responder.Err)
		}
	}
	return res
}

// Decode decodes the body, failing the test if it is not JSON.
func (r *Result) Decode(t testing.TB, into any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, into); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, r.Body)
	}
}

// Want fails the test unless the answer has the status code.
func (r *Result) Want(t testing.TB, code int) *Result {
	t.Helper()
	if r.Code != code {
		t.Fatalf("status %d, want %d; error %v; body %s", r.Code, code, r.Err, bytes.TrimSpace(r.Body))
	}
	return r
}

// List is a decoded list answer.
type List struct {
	APIVersion string          `json:"apiVersion"`
	Kind       string          `json:"kind"`
	Metadata   metav1.ListMeta `json:"metadata"`
	Items      []Object        `json:"items"`
}

// Object is a decoded object of an answer.
type Object struct {
	Kind     string            `json:"kind"`
	Metadata metav1.ObjectMeta `json:"metadata"`
	Data     map[string]string `json:"data"`
}

// Cluster is the cluster the object's annotation names.
func (o Object) Cluster() string {
	return o.Metadata.Annotations[clusterv1alpha1.CacheSourceAnnotationKey]
}

// Key names the object as cluster/namespace/name.
func (o Object) Key() string {
	return o.Cluster() + "/" + o.Metadata.Namespace + "/" + o.Metadata.Name
}

// Keys returns the keys of the list's items, in order.
func (l *List) Keys() []string {
	out := make([]string, 0, len(l.Items))
	for _, it := range l.Items {
		out = append(out, it.Key())
	}
	return out
}
