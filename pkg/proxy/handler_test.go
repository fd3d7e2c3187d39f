package proxy

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/endpoints/request"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
)

type fakeClusters map[string]*clusterv1alpha1.Cluster

func (f fakeClusters) GetCluster(_ context.Context, name string) (*clusterv1alpha1.Cluster, error) {
	if c, ok := f[name]; ok {
		return c, nil
	}
	return nil, apierrors.NewNotFound(clusterv1alpha1.Resource("clusters"), name)
}

type fakeSecrets map[string]*corev1.Secret

func (f fakeSecrets) GetSecret(_ context.Context, namespace, name string) (*corev1.Secret, error) {
	if s, ok := f[namespace+"/"+name]; ok {
		return s, nil
	}
	return nil, apierrors.NewNotFound(corev1.Resource("secrets"), name)
}

// responder writes errors and objects as JSON, like the generic server's responder.
type responder struct{ w http.ResponseWriter }

func (r responder) Object(code int, obj runtime.Object) {
	r.w.WriteHeader(code)
	_ = json.NewEncoder(r.w).Encode(obj)
}

func (r responder) Error(err error) {
	status := apierrors.APIStatus(apierrors.NewInternalError(err))
	if s, ok := err.(apierrors.APIStatus); ok {
		status = s
	}
	r.w.Header().Set("Content-Type", "application/json")
	r.w.WriteHeader(int(status.Status().Code))
	_ = json.NewEncoder(r.w).Encode(status.Status())
}

const impersonatorToken = "impersonator-token"

var alice = &user.DefaultInfo{
	Name:   "alice",
	UID:    "alice-uid",
	Groups: []string{"team-a", user.AllAuthenticated},
	Extra:  map[string][]string{"scopes": {"read"}, "authentication.kubernetes.io/credential-id": {"X509SHA256=ab"}},
}

// newProxy returns a proxy to one member served by backend. ready sets the cluster's
// Ready condition; "" leaves it unset.
func newProxy(t *testing.T, backendURL string, ready metav1.ConditionStatus) *ClusterProxy {
	t.Helper()
	c := &clusterv1alpha1.Cluster{
		ObjectMeta: metav1.ObjectMeta{Name: "member1"},
		Spec: clusterv1alpha1.ClusterSpec{
			SyncMode:                    clusterv1alpha1.Push,
			APIEndpoint:                 backendURL,
			InsecureSkipTLSVerification: true,
			ImpersonatorSecretRef:       &clusterv1alpha1.LocalSecretReference{Namespace: "karmada-cluster", Name: "member1-impersonator"},
		},
	}
	if ready != "" {
		c.Status.Conditions = []metav1.Condition{{Type: clusterv1alpha1.ClusterConditionReady, Status: ready, Reason: "Probe", Message: "probe says so"}}
	}
	return &ClusterProxy{
		Clusters: fakeClusters{"member1": c},
		Secrets: fakeSecrets{"karmada-cluster/member1-impersonator": {
			ObjectMeta: metav1.ObjectMeta{Namespace: "karmada-cluster", Name: "member1-impersonator", ResourceVersion: "1"},
			Data:       map[string][]byte{clusterv1alpha1.SecretTokenKey: []byte(impersonatorToken)},
		}},
		Pool: NewTransportPool(time.Second),
	}
}

// serve runs one request through the proxy as caller and returns the recorded response.
func serve(t *testing.T, p *ClusterProxy, cluster, memberPath string, req *http.Request, caller user.Info) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	ctx := request.WithUser(req.Context(), caller)
	req = req.WithContext(ctx)
	h, err := p.Connect(ctx, cluster, memberPath, responder{rec})
	if err != nil {
		responder{rec}.Error(err)
		return rec
	}
	h.ServeHTTP(rec, req)
	return rec
}

func TestProxyImpersonatesCallerAndStripsCredentials(t *testing.T) {
	var got http.Header
	var gotPath string
	backend := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, gotPath = r.Header.Clone(), r.URL.RequestURI()
		_, _ = io.WriteString(w, `{"kind":"PodList"}`)
	}))
	defer backend.Close()
	p := newProxy(t, backend.URL, metav1.ConditionTrue)

	req := httptest.NewRequest("GET", "/apis/cluster.karmada.io/v1alpha1/clusters/member1/proxy/api/v1/pods?limit=5", nil)
	req.Header.Set("Authorization", "Bearer caller-control-plane-token")
	req.Header.Set("Impersonate-User", "system:admin")
	req.Header.Add("Impersonate-Group", "system:masters")
	req.Header.Set("Impersonate-Extra-Foo", "bar")
	req.Header.Set("X-Remote-User", "mallory")
	rec := serve(t, p, "member1", "/api/v1/pods", req, alice)

	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if gotPath != "/api/v1/pods?limit=5" {
		t.Errorf("member saw path %q", gotPath)
	}
	want := map[string][]string{
		"Authorization":     {"Bearer " + impersonatorToken},
		"Impersonate-User":  {"alice"},
		"Impersonate-Group": {"team-a"},
		"Impersonate-Uid":   {"alice-uid"},
		"Impersonate-Extra-Authentication.kubernetes.io%2fcredential-Id": {"X509SHA256=ab"},
	}
	for name, values := range want {
		if diff := cmp.Diff(values, got.Values(name)); diff != "" {
			t.Errorf("header %s (-want +got):\n%s", name, diff)
		}
	}
	for name := range got {
		if name == "Impersonate-Extra-Foo" || name == "X-Remote-User" || name == "Impersonate-Extra-Scopes" {
			t.Errorf("caller header %s reached the member", name)
		}
	}
}

func TestProxyNeverFollowsOrForwardsRedirects(t *testing.T) {
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the proxy followed a redirect to %s", r.URL)
	}))
	defer evil.Close()
	backend := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, evil.URL+"/steal", http.StatusFound)
	}))
	defer backend.Close()
	p := newProxy(t, backend.URL, metav1.ConditionTrue)

	rec := serve(t, p, "member1", "/api/v1/pods", httptest.NewRequest("GET", "/x", nil), alice)
	if rec.Code != http.StatusBadGateway {
		t.Fatalf("status = %d, want 502", rec.Code)
	}
	if loc := rec.Header().Get("Location"); loc != "" {
		t.Fatalf("redirect location %q was passed to the caller", loc)
	}
}

func TestProxyPassesMemberErrorsThrough(t *testing.T) {
	body := `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"pods \"x\" is forbidden","reason":"Forbidden","code":403}`
	backend := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, body)
	}))
	defer backend.Close()
	p := newProxy(t, backend.URL, metav1.ConditionTrue)

	rec := serve(t, p, "member1", "/api/v1/namespaces/d/pods/x", httptest.NewRequest("GET", "/x", nil), alice)
	if rec.Code != http.StatusForbidden || rec.Body.String() != body {
		t.Fatalf("got %d %q, want 403 with the member's body", rec.Code, rec.Body)
	}
}

func TestProxyErrors(t *testing.T) {
	// A listener that is closed at once gives an address that refuses connections.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "https://" + l.Addr().String()
	l.Close()

	tests := []struct {
		name     string
		cluster  string
		endpoint string
		ready    metav1.ConditionStatus
		wantCode int
		wantMsg  string
	}{
		{name: "unknown cluster", cluster: "nope", endpoint: refused, wantCode: 404, wantMsg: `clusters.cluster.karmada.io \"nope\" not found`},
		{name: "not ready", cluster: "member1", endpoint: refused, ready: metav1.ConditionFalse, wantCode: 503, wantMsg: "cluster member1 is not ready"},
		{name: "unreachable", cluster: "member1", endpoint: refused, ready: metav1.ConditionTrue, wantCode: 503, wantMsg: "cluster member1 is unreachable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProxy(t, tt.endpoint, tt.ready)
			start := time.Now()
			rec := serve(t, p, tt.cluster, "/api/v1/pods", httptest.NewRequest("GET", "/x", nil), alice)
			if rec.Code != tt.wantCode || !strings.Contains(rec.Body.String(), tt.wantMsg) {
				t.Fatalf("got %d %s, want %d containing %q", rec.Code, rec.Body, tt.wantCode, tt.wantMsg)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("took %s; errors must come back in bounded time", d)
			}
		})
	}
}

// TestProxyUpgradeConnectionNotReused covers the CVE-2018-1002105 class: when the
// member refuses an upgrade, the connection to it must be closed, so that nothing
// else the caller writes on it reaches the member with the proxy's credentials.
func TestProxyUpgradeConnectionNotReused(t *testing.T) {
	requests := make(chan string, 10)
	backend := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests <- r.URL.Path
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, `{"kind":"Status","code":403}`)
	}))
	defer backend.Close()
	p := newProxy(t, backend.URL, metav1.ConditionTrue)

	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := request.WithUser(r.Context(), alice)
		h, err := p.Connect(ctx, "member1", r.URL.Path, responder{w})
		if err != nil {
			responder{w}.Error(err)
			return
		}
		h.ServeHTTP(w, r.WithContext(ctx))
	}))
	defer front.Close()

	conn, err := net.Dial("tcp", front.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(conn, "POST /api/v1/namespaces/d/pods/p/exec HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("upgrade status = %d, want the member's 403", resp.StatusCode)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	// A second request on the same connection must not reach the member.
	fmt.Fprintf(conn, "GET /api/v1/secrets HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, err := http.ReadResponse(br, nil); err == nil {
		t.Fatal("the connection stayed open after a failed upgrade")
	}
	close(requests)
	var seen []string
	for r := range requests {
		seen = append(seen, r)
	}
	if diff := cmp.Diff([]string{"/api/v1/namespaces/d/pods/p/exec"}, seen); diff != "" {
		t.Fatalf("member saw (-want +got):\n%s", diff)
	}
}

func TestTransportPoolReusesAndRebuilds(t *testing.T) {
	pool := NewTransportPool(time.Second)
	c := &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "m"}, Spec: clusterv1alpha1.ClusterSpec{APIEndpoint: "https://127.0.0.1:1"}}
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s", ResourceVersion: "1"}, Data: map[string][]byte{"token": []byte("t")}}
	a, err := pool.Get(c, s)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pool.Get(c, s)
	if a != b {
		t.Fatal("the same cluster and credentials must share one transport")
	}
	s2 := s.DeepCopy()
	s2.ResourceVersion = "2"
	d, _ := pool.Get(c, s2)
	if d == a {
		t.Fatal("a changed Secret must rebuild the transport")
	}
	pool.Forget("m")
	if e, _ := pool.Get(c, s2); e == d {
		t.Fatal("a forgotten cluster must get a new transport")
	}
	if _, err := pool.Get(c, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "empty"}}); err == nil {
		t.Fatal("a Secret without a token must be rejected")
	}
}

// verbAuthorizer allows the verbs it lists, and records what it was asked.
func verbAuthorizer(allowed []string, asked *[]authorizer.Attributes) authorizer.Authorizer {
	return authorizer.AuthorizerFunc(func(_ context.Context, attrs authorizer.Attributes) (authorizer.Decision, string, error) {
		*asked = append(*asked, attrs)
		if slices.Contains(allowed, attrs.GetVerb()) {
			return authorizer.DecisionAllow, "", nil
		}
		return authorizer.DecisionNoOpinion, "RBAC: not allowed", nil
	})
}

// TestProxyUpgradeOverGETNeedsCreate: a WebSocket upgrade arrives as a GET, which
// the control plane authorized as get; it opens a stream like SPDY's POST, so it
// needs create on clusters/proxy too. Plain GETs and POSTs are not asked again.
func TestProxyUpgradeOverGETNeedsCreate(t *testing.T) {
	backend := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok"))
	}))
	defer backend.Close()
	for _, tt := range []struct {
		name    string
		method  string
		upgrade bool
		allowed []string
		want    int
		asked   int
	}{
		{name: "websocket upgrade with get only", method: http.MethodGet, upgrade: true, allowed: []string{"get"}, want: http.StatusForbidden, asked: 1},
		{name: "plain GET with get only", method: http.MethodGet, allowed: []string{"get"}, want: http.StatusOK},
		{name: "SPDY upgrade over POST", method: http.MethodPost, upgrade: true, allowed: []string{"create"}, want: http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var asked []authorizer.Attributes
			p := newProxy(t, backend.URL, metav1.ConditionTrue)
			p.Authorizer = verbAuthorizer(tt.allowed, &asked)
			req := httptest.NewRequest(tt.method, "/api/v1/namespaces/default/pods/p/exec?command=ls", nil)
			if tt.upgrade {
				req.Header.Set("Connection", "Upgrade")
				req.Header.Set("Upgrade", "websocket")
			}
			rec := serve(t, p, "member1", "/api/v1/namespaces/default/pods/p/exec", req, alice)
			if tt.want == http.StatusForbidden && rec.Code != http.StatusForbidden {
				t.Fatalf("status %d, want 403: %s", rec.Code, rec.Body)
			}
			if tt.want != http.StatusForbidden && rec.Code == http.StatusForbidden {
				t.Fatalf("refused: %s", rec.Body)
			}
			if len(asked) != tt.asked {
				t.Fatalf("authorizer asked %d times, want %d", len(asked), tt.asked)
			}
			if tt.asked > 0 {
				a := asked[0]
				if a.GetVerb() != "create" || a.GetResource() != "clusters" || a.GetSubresource() != "proxy" || a.GetName() != "member1" || a.GetUser().GetName() != "alice" {
					t.Errorf("asked %+v", a)
				}
			}
		})
	}
}
