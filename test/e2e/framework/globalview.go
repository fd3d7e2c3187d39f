package framework

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	searchv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/search/v1alpha1"
)

func init() {
	if err := searchv1alpha1.AddToScheme(Scheme); err != nil {
		panic(err)
	}
}

// Base paths of the global view on the control plane.
const (
	// GlobalProxyPath is the merged live view of every member.
	GlobalProxyPath = "/apis/search.karmada.io/v1alpha1/proxying/karmada/proxy"
	// SearchPath is the cached search.
	SearchPath = "/apis/search.karmada.io/v1alpha1/search/cache"
	// ClusterAnnotation names the cluster an object of the global view comes from.
	ClusterAnnotation = "resource.karmada.io/cached-from-cluster"
	// TableAccept asks for a meta.k8s.io/v1 Table.
	TableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io"
)

// View sends raw requests below one base path of the control plane (the global
// proxy or the search) as one caller, and returns the whole answer: status,
// headers and body, whatever the status.
type View struct {
	base   string
	host   *url.URL
	client *http.Client
}

// GlobalProxy returns a View of the global proxy for a control-plane configuration.
func GlobalProxy(t testing.TB, cfg *rest.Config) *View { return newView(t, cfg, GlobalProxyPath) }

// Search returns a View of the search for a control-plane configuration.
func Search(t testing.TB, cfg *rest.Config) *View { return newView(t, cfg, SearchPath) }

func newView(t testing.TB, cfg *rest.Config, base string) *View {
	t.Helper()
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatalf("HTTP client: %v", err)
	}
	u, err := url.Parse(cfg.Host)
	if err != nil {
		t.Fatalf("host %q: %v", cfg.Host, err)
	}
	return &View{base: base, host: u, client: hc}
}

// Response is a whole answer of the control plane.
type Response struct {
	Code     int
	Header   http.Header
	Body     []byte
	Duration time.Duration
}

// Warnings returns the texts of the Warning headers.
func (r *Response) Warnings() []string {
	return r.Header.Values("Warning")
}

// String describes the answer for failure messages.
func (r *Response) String() string {
	body := string(r.Body)
	if len(body) > 600 {
		body = body[:600] + "..."
	}
	return fmt.Sprintf("HTTP %d after %s, warnings %q: %s", r.Code, r.Duration.Round(time.Millisecond), r.Warnings(), body)
}

// Request is one request below the view's base path.
type Request struct {
	Method string
	// Path is the Kubernetes API path, such as /api/v1/namespaces/x/configmaps.
	Path        string
	Query       url.Values
	Accept      string
	ContentType string
	Body        []byte
}

// Do sends a request and reads the whole answer.
func (v *View) Do(ctx context.Context, r Request) (*Response, error) {
	resp, start, err := v.open(ctx, r)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the answer: %w", r.Method, r.Path, err)
	}
	return &Response{Code: resp.StatusCode, Header: resp.Header, Body: body, Duration: time.Since(start)}, nil
}

// Open sends a request and returns the response with its body unread, for
// watches. The caller closes the body.
func (v *View) Open(ctx context.Context, r Request) (*http.Response, error) {
	resp, _, err := v.open(ctx, r)
	return resp, err
}

func (v *View) open(ctx context.Context, r Request) (*http.Response, time.Time, error) {
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	u := *v.host
	u.Path = strings.TrimSuffix(u.Path, "/") + v.base + r.Path
	u.RawQuery = r.Query.Encode()
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, time.Time{}, err
	}
	accept := r.Accept
	if accept == "" {
		accept = "application/json"
	}
	req.Header.Set("Accept", accept)
	if r.ContentType != "" {
		req.Header.Set("Content-Type", r.ContentType)
	}
	start := time.Now()
	resp, err := v.client.Do(req)
	if err != nil {
		return nil, start, fmt.Errorf("%s %s: %w", method, u.String(), err)
	}
	return resp, start, nil
}

// Get sends a GET of path with query parameters given as key, value pairs.
func (v *View) Get(ctx context.Context, path string, kv ...string) (*Response, error) {
	return v.Do(ctx, Request{Path: path, Query: Query(kv...)})
}

// Query builds query parameters from key, value pairs.
func Query(kv ...string) url.Values {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Add(kv[i], kv[i+1])
	}
	return q
}

// Object is the part of an object of the global view the tests look at.
type Object struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   metav1.ObjectMeta `json:"metadata"`
	Data       map[string]string `json:"data"`
}

// Cluster is the cluster the object is annotated with.
func (o *Object) Cluster() string { return o.Metadata.Annotations[ClusterAnnotation] }

// Key is cluster/namespace/name.
func (o *Object) Key() string {
	return o.Cluster() + "/" + o.Metadata.Namespace + "/" + o.Metadata.Name
}

// List is a list answered by the global view.
type List struct {
	APIVersion string          `json:"apiVersion"`
	Kind       string          `json:"kind"`
	Metadata   metav1.ListMeta `json:"metadata"`
	Items      []Object        `json:"items"`
}

// Keys returns cluster/namespace/name of every item, in order.
func (l *List) Keys() []string {
	out := make([]string, 0, len(l.Items))
	for i := range l.Items {
		out = append(out, l.Items[i].Key())
	}
	return out
}

// DecodeList decodes a 200 answer as a list.
func DecodeList(r *Response) (*List, error) {
	if r.Code != http.StatusOK {
		return nil, fmt.Errorf("want 200, got %s", r)
	}
	var l List
	if err := json.Unmarshal(r.Body, &l); err != nil {
		return nil, fmt.Errorf("decoding a list: %w: %s", err, r)
	}
	return &l, nil
}

// DecodeObject decodes a 2xx answer as one object.
func DecodeObject(r *Response) (*Object, error) {
	if r.Code < 200 || r.Code > 299 {
		return nil, fmt.Errorf("want 2xx, got %s", r)
	}
	var o Object
	if err := json.Unmarshal(r.Body, &o); err != nil {
		return nil, fmt.Errorf("decoding an object: %w: %s", err, r)
	}
	return &o, nil
}

// ListAll walks a paginated list with the given page size from the first page
// to the last, and returns every page. See Items for the checks of each page.
func (v *View) ListAll(ctx context.Context, path string, limit int, kv ...string) ([]*List, error) {
	var pages []*List
	cont := ""
	for range 1000 {
		q := Query(kv...)
		q.Set("limit", fmt.Sprint(limit))
		if cont != "" {
			q.Set("continue", cont)
		}
		r, err := v.Do(ctx, Request{Path: path, Query: q})
		if err != nil {
			return pages, err
		}
		l, err := DecodeList(r)
		if err != nil {
			return pages, fmt.Errorf("page %d: %w", len(pages)+1, err)
		}
		pages = append(pages, l)
		if l.Metadata.Continue == "" {
			return pages, nil
		}
		cont = l.Metadata.Continue
	}
	return pages, fmt.Errorf("more than 1000 pages")
}

// Items returns the items of the pages in order, and describes every page
// with more items than limit (a page never holds more than its limit).
func Items(pages []*List, limit int) ([]Object, []string) {
	var items []Object
	var over []string
	for i, p := range pages {
		items = append(items, p.Items...)
		if len(p.Items) > limit {
			over = append(over, fmt.Sprintf("page %d holds %d items, more than the limit %d: %v", i+1, len(p.Items), limit, p.Keys()))
		}
	}
	return items, over
}

// SortedByKey reports whether the items are in the order the global view
// promises: by cluster, then namespace, then name.
func SortedByKey(items []Object) bool {
	return slices.IsSortedFunc(items, func(a, b Object) int {
		if c := strings.Compare(a.Cluster(), b.Cluster()); c != 0 {
			return c
		}
		if c := strings.Compare(a.Metadata.Namespace, b.Metadata.Namespace); c != 0 {
			return c
		}
		return strings.Compare(a.Metadata.Name, b.Metadata.Name)
	})
}

// GlobalProxyKubeconfig writes a kubeconfig whose server is the global proxy of
// the control plane, with the sandbox admin's credentials, and returns its path.
func (s *Sandbox) GlobalProxyKubeconfig(t testing.TB) string {
	t.Helper()
	raw, err := clientcmd.LoadFromFile(s.Kubeconfig(ControlPlane))
	if err != nil {
		t.Fatal(err)
	}
	ctx := raw.Contexts[ControlPlane]
	if ctx == nil {
		t.Fatalf("no context %s in %s", ControlPlane, s.Kubeconfig(ControlPlane))
	}
	cluster := raw.Clusters[ctx.Cluster]
	cluster.Server = strings.TrimSuffix(cluster.Server, "/") + GlobalProxyPath
	raw.CurrentContext = ControlPlane
	path := filepath.Join(t.TempDir(), "global.config")
	if err := clientcmd.WriteToFile(*raw, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// CreateNamespaceOn creates the namespace name on each of the clients and
// deletes it when the test ends.
func CreateNamespaceOn(ctx context.Context, t testing.TB, name string, clients ...kubernetes.Interface) {
	t.Helper()
	for _, c := range clients {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
		if _, err := c.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
			t.Fatalf("creating namespace %s: %v", name, err)
		}
		t.Cleanup(func() {
			err := c.CoreV1().Namespaces().Delete(context.Background(), name, metav1.DeleteOptions{})
			if err != nil && !apierrors.IsNotFound(err) {
				t.Logf("deleting namespace %s: %v", name, err)
			}
		})
	}
}

// WaitRootCA waits until the namespace holds kube-root-ca.crt, which the
// member's controller-manager adds asynchronously to every namespace, so that
// lists of ConfigMaps are stable from then on.
func WaitRootCA(ctx context.Context, t testing.TB, c kubernetes.Interface, namespace string) {
	t.Helper()
	WaitFor(ctx, t, 60*time.Second, "kube-root-ca.crt in "+namespace, func(ctx context.Context) (bool, string, error) {
		_, err := c.CoreV1().ConfigMaps(namespace).Get(ctx, "kube-root-ca.crt", metav1.GetOptions{})
		return err == nil, fmt.Sprint(err), nil
	})
}

// CreateRegistry creates a ResourceRegistry, deletes it when the test ends and
// waits until its Ready condition is True.
func (s *Sandbox) CreateRegistry(ctx context.Context, t testing.TB, r *searchv1alpha1.ResourceRegistry) {
	t.Helper()
	c := s.Karmada(t)
	if err := c.Create(ctx, r); err != nil {
		t.Fatalf("creating ResourceRegistry %s: %v", r.Name, err)
	}
	t.Cleanup(func() {
		if err := c.Delete(context.Background(), r); err != nil && !apierrors.IsNotFound(err) {
			t.Logf("deleting ResourceRegistry %s: %v", r.Name, err)
		}
	})
	WaitFor(ctx, t, 90*time.Second, "ResourceRegistry "+r.Name+" Ready", func(ctx context.Context) (bool, string, error) {
		var got searchv1alpha1.ResourceRegistry
		if err := c.Get(ctx, client.ObjectKey{Name: r.Name}, &got); err != nil {
			return false, "", err
		}
		cond := meta.FindStatusCondition(got.Status.Conditions, "Ready")
		if cond == nil {
			return false, "no Ready condition", nil
		}
		seen := fmt.Sprintf("Ready=%s (%s: %s), observedGeneration %d of %d", cond.Status, cond.Reason, cond.Message, cond.ObservedGeneration, got.Generation)
		return cond.Status == metav1.ConditionTrue && cond.ObservedGeneration == got.Generation, seen, nil
	})
}

// ProxyProcess returns a client of the proxy process serving search.karmada.io,
// found through its APIService and ExternalName Service, with cfg's credentials.
// It skips the test when the proxy is not reachable that way.
func (s *Sandbox) ProxyProcess(ctx context.Context, t testing.TB, cfg *rest.Config) kubernetes.Interface {
	t.Helper()
	cp := s.Client(t, ControlPlane)
	raw, err := cp.Discovery().RESTClient().Get().AbsPath("/apis/apiregistration.k8s.io/v1/apiservices/v1alpha1.search.karmada.io").DoRaw(ctx)
	if err != nil {
		t.Fatalf("reading the search APIService: %v", err)
	}
	var apiService struct {
		Spec struct {
			Service struct {
				Namespace string `json:"namespace"`
				Name      string `json:"name"`
				Port      int    `json:"port"`
			} `json:"service"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(raw, &apiService); err != nil {
		t.Fatal(err)
	}
	ref := apiService.Spec.Service
	svc, err := cp.CoreV1().Services(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("reading the proxy's Service: %v", err)
	}
	if svc.Spec.ExternalName == "" {
		t.Skipf("the proxy's Service %s/%s is not an ExternalName; the proxy is not reachable from here", ref.Namespace, ref.Name)
	}
	cfg = rest.CopyConfig(cfg)
	cfg.Host = fmt.Sprintf("https://%s:%d", svc.Spec.ExternalName, ref.Port)
	// The serving certificate names the Service, not the host the test dials.
	cfg.CAData, cfg.CAFile, cfg.Insecure = nil, "", true
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// ProxyMetric reads a counter or gauge from the /metrics of the proxy process
// serving search.karmada.io, as the sandbox admin. name is the metric's name with
// its labels as /metrics shows them, e.g. `workqueue_depth{name="x"}`.
func (s *Sandbox) ProxyMetric(ctx context.Context, t testing.TB, name string) float64 {
	t.Helper()
	c := s.ProxyProcess(ctx, t, s.RESTConfig(t, ControlPlane))
	body, err := c.Discovery().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		t.Fatalf("reading the proxy's metrics: %v", err)
	}
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			var f float64
			if _, err := fmt.Sscan(v, &f); err != nil {
				t.Fatalf("metric %s: %q: %v", name, v, err)
			}
			return f
		}
	}
	// Counters appear once first incremented.
	return 0
}
