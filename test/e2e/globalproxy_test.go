package e2e

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/fleetplane/fleetplane/test/e2e/framework"
)

// globalFixture is one namespace, of the same name on every member, holding
// ConfigMaps created directly on the members.
type globalFixture struct {
	ns      string
	members map[string]kubernetes.Interface
}

// newGlobalFixture creates the namespace on every member and waits until each
// holds its kube-root-ca.crt, so that lists of its ConfigMaps are stable.
func newGlobalFixture(ctx context.Context, t *testing.T, sb *framework.Sandbox, prefix string) *globalFixture {
	t.Helper()
	f := &globalFixture{ns: framework.RandomName(prefix), members: map[string]kubernetes.Interface{}}
	var clients []kubernetes.Interface
	for _, m := range framework.Members {
		f.members[m] = sb.Client(t, m)
		clients = append(clients, f.members[m])
	}
	framework.CreateNamespaceOn(ctx, t, f.ns, clients...)
	for _, c := range clients {
		framework.WaitRootCA(ctx, t, c, f.ns)
	}
	return f
}

// configMap creates a ConfigMap directly on a member.
func (f *globalFixture) configMap(ctx context.Context, t *testing.T, cluster, name string, labels map[string]string) *corev1.ConfigMap {
	t.Helper()
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: f.ns, Labels: labels},
		Data:       map[string]string{"cluster": cluster},
	}
	got, err := f.members[cluster].CoreV1().ConfigMaps(f.ns).Create(ctx, cm, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating ConfigMap %s on %s: %v", name, cluster, err)
	}
	return got
}

// path is the path of the fixture's ConfigMaps, or of one of them.
func (f *globalFixture) path(name ...string) string {
	p := "/api/v1/namespaces/" + f.ns + "/configmaps"
	if len(name) > 0 {
		p += "/" + name[0]
	}
	return p
}

// keys returns cluster/namespace/name of each cluster, name pair.
func (f *globalFixture) keys(pairs ...string) []string {
	var out []string
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, pairs[i]+"/"+f.ns+"/"+pairs[i+1])
	}
	return out
}

// checkList checks what every list of the global view promises: the items are
// sorted by cluster, namespace and name, each annotated with its cluster, and
// they are exactly want.
func checkList(t *testing.T, what string, l *framework.List, want []string) {
	t.Helper()
	for _, it := range l.Items {
		if it.Cluster() == "" {
			t.Errorf("%s: %s/%s has no %s annotation", what, it.Metadata.Namespace, it.Metadata.Name, framework.ClusterAnnotation)
		}
	}
	if !framework.SortedByKey(l.Items) {
		t.Errorf("%s: not sorted by cluster, namespace, name: %v", what, l.Keys())
	}
	if got := l.Keys(); !slices.Equal(got, want) {
		t.Errorf("%s:\n got %v\nwant %v", what, got, want)
	}
}

func mustList(ctx context.Context, t *testing.T, v *framework.View, path string, kv ...string) *framework.List {
	t.Helper()
	r, err := v.Get(ctx, path, kv...)
	if err != nil {
		t.Fatal(err)
	}
	l, err := framework.DecodeList(r)
	if err != nil {
		t.Fatalf("GET %s %v: %v", path, kv, err)
	}
	return l
}

// walkPages pages through a list with the given limit and returns the pages and
// their items; it reports a page holding more items than the limit.
func walkPages(ctx context.Context, t *testing.T, v *framework.View, path string, limit int, kv ...string) ([]*framework.List, []framework.Object) {
	t.Helper()
	pages, err := v.ListAll(ctx, path, limit, kv...)
	if err != nil {
		t.Fatalf("paging through %s with limit=%d: %v", path, limit, err)
	}
	items, over := framework.Items(pages, limit)
	for _, o := range over {
		t.Errorf("%s %v: %s", path, kv, o)
	}
	return pages, items
}

func wantCode(ctx context.Context, t *testing.T, v *framework.View, req framework.Request, code int, contains ...string) *framework.Response {
	t.Helper()
	r, err := v.Do(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if r.Code != code {
		t.Errorf("%s %s?%s: want %d, got %s", req.Method, req.Path, req.Query.Encode(), code, r)
		return r
	}
	for _, s := range contains {
		if !strings.Contains(string(r.Body), s) {
			t.Errorf("%s %s?%s: the answer does not name %q: %s", req.Method, req.Path, req.Query.Encode(), s, r)
		}
	}
	return r
}

// TestGlobalProxyReads lists, pages, renders and watches ConfigMaps of all three
// members through the global proxy.
func TestGlobalProxyReads(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	f := newGlobalFixture(ctx, t, sb, "e2e-gpread")
	web, db := map[string]string{"e2e": "gp", "tier": "web"}, map[string]string{"e2e": "gp", "tier": "db"}
	f.configMap(ctx, t, framework.Member1, "m1-web", web)
	f.configMap(ctx, t, framework.Member1, "m1-db", db)
	f.configMap(ctx, t, framework.Member2, "m2-web", web)
	f.configMap(ctx, t, framework.Member2, "m2-db", db)
	f.configMap(ctx, t, framework.Member3, "m3-web", web)
	f.configMap(ctx, t, framework.Member3, "m3-db", db)
	all := f.keys(
		framework.Member1, "kube-root-ca.crt", framework.Member1, "m1-db", framework.Member1, "m1-web",
		framework.Member2, "kube-root-ca.crt", framework.Member2, "m2-db", framework.Member2, "m2-web",
		framework.Member3, "kube-root-ca.crt", framework.Member3, "m3-db", framework.Member3, "m3-web")
	gp := framework.GlobalProxy(t, sb.RESTConfig(t, framework.ControlPlane))

	t.Run("list merges every cluster", func(t *testing.T) {
		l := mustList(ctx, t, gp, f.path())
		checkList(t, "list", l, all)
		if l.Kind != "ConfigMapList" || l.APIVersion != "v1" {
			t.Errorf("list is %s %s, want v1 ConfigMapList", l.APIVersion, l.Kind)
		}
		if l.Metadata.ResourceVersion == "" {
			t.Error("the merged list has no resourceVersion")
		}
		for _, it := range l.Items {
			if it.Data["cluster"] != "" && it.Data["cluster"] != it.Cluster() {
				t.Errorf("%s is annotated %s but holds the data of %s", it.Metadata.Name, it.Cluster(), it.Data["cluster"])
			}
		}
	})

	t.Run("label selector", func(t *testing.T) {
		l := mustList(ctx, t, gp, f.path(), "labelSelector", "e2e=gp,tier=web")
		checkList(t, "tier=web", l, f.keys(framework.Member1, "m1-web", framework.Member2, "m2-web", framework.Member3, "m3-web"))
	})

	t.Run("field selector finds every copy", func(t *testing.T) {
		l := mustList(ctx, t, gp, f.path(), "fieldSelector", "metadata.name=kube-root-ca.crt")
		checkList(t, "metadata.name=kube-root-ca.crt", l, f.keys(framework.Member1, "kube-root-ca.crt",
			framework.Member2, "kube-root-ca.crt", framework.Member3, "kube-root-ca.crt"))
	})

	t.Run("clusters parameter restricts", func(t *testing.T) {
		l := mustList(ctx, t, gp, f.path(), "clusters", "member1,member3", "labelSelector", "e2e=gp")
		checkList(t, "clusters=member1,member3", l, f.keys(framework.Member1, "m1-db", framework.Member1, "m1-web",
			framework.Member3, "m3-db", framework.Member3, "m3-web"))
		wantCode(ctx, t, gp, framework.Request{Path: f.path(), Query: framework.Query("clusters", "member1,no-such-cluster")},
			http.StatusNotFound, "no-such-cluster")
	})

	t.Run("pagination walks every item once", func(t *testing.T) {
		pages, items := walkPages(ctx, t, gp, f.path(), 2)
		for i, p := range pages {
			tok := p.Metadata.Continue
			if tok == "" {
				continue
			}
			// Opaque: not a member's own token, and naming no cluster or namespace in clear.
			if strings.Contains(tok, "member") || strings.Contains(tok, f.ns) {
				t.Errorf("page %d: the continue token is not opaque: %q", i+1, tok)
			}
			// A member's own token is standard base64 of JSON naming where it starts.
			if raw, err := base64.StdEncoding.DecodeString(tok); err == nil && strings.Contains(string(raw), `"start"`) {
				t.Errorf("page %d: the continue token is a member's own: %q", i+1, tok)
			}
		}
		if len(pages) < 5 {
			t.Errorf("9 items with limit=2 came in %d pages, want at least 5", len(pages))
		}
		checkList(t, "pages", &framework.List{Items: items}, all)
	})

	t.Run("garbled continue and resourceVersion are 400", func(t *testing.T) {
		l := mustList(ctx, t, gp, f.path(), "limit", "2")
		if l.Metadata.Continue == "" {
			t.Fatal("a first page of 2 out of 9 has no continue token")
		}
		tok := l.Metadata.Continue
		forged := tok[:len(tok)-4] + "AAAA"
		if forged == tok {
			forged = tok[:len(tok)-4] + "BBBB"
		}
		for _, c := range []string{"garbage", forged, tok + "!!", "mc1.e30"} {
			wantCode(ctx, t, gp, framework.Request{Path: f.path(), Query: framework.Query("limit", "2", "continue", c)}, http.StatusBadRequest)
		}
		for _, rv := range []string{"garbage", "12345", "mc1.!!!"} {
			wantCode(ctx, t, gp, framework.Request{Path: f.path(), Query: framework.Query("resourceVersion", rv)}, http.StatusBadRequest)
			wantCode(ctx, t, gp, framework.Request{Path: f.path(), Query: framework.Query("watch", "1", "resourceVersion", rv)}, http.StatusBadRequest)
		}
	})

	t.Run("table has a Cluster column", func(t *testing.T) {
		r := wantCode(ctx, t, gp, framework.Request{Path: f.path(), Accept: framework.TableAccept}, http.StatusOK)
		var table metav1.Table
		if err := json.Unmarshal(r.Body, &table); err != nil {
			t.Fatalf("decoding the Table: %v: %s", err, r)
		}
		if table.Kind != "Table" || table.APIVersion != "meta.k8s.io/v1" {
			t.Errorf("got %s %s, want one meta.k8s.io/v1 Table", table.APIVersion, table.Kind)
		}
		if len(table.ColumnDefinitions) < 2 || table.ColumnDefinitions[0].Name != "Cluster" || table.ColumnDefinitions[1].Name != "Name" {
			t.Fatalf("columns %+v, want Cluster then Name first", table.ColumnDefinitions)
		}
		var rows []string
		for _, row := range table.Rows {
			var meta metav1.PartialObjectMetadata
			if err := json.Unmarshal(row.Object.Raw, &meta); err != nil {
				t.Fatalf("row object: %v", err)
			}
			cluster := meta.Annotations[framework.ClusterAnnotation]
			if fmt.Sprint(row.Cells[0]) != cluster {
				t.Errorf("row %s: cluster cell %v, annotation %q", meta.Name, row.Cells[0], cluster)
			}
			if fmt.Sprint(row.Cells[1]) != meta.Name {
				t.Errorf("row %s: name cell %v", meta.Name, row.Cells[1])
			}
			rows = append(rows, cluster+"/"+meta.Namespace+"/"+meta.Name)
		}
		if !slices.Equal(rows, all) {
			t.Errorf("table rows\n got %v\nwant %v", rows, all)
		}
	})

	t.Run("watch resumes from the list's version", func(t *testing.T) {
		l := mustList(ctx, t, gp, f.path())
		events := openWatch(ctx, t, gp, f.path(), l.Metadata.ResourceVersion)
		f.configMap(ctx, t, framework.Member2, "m2-late", web)
		ev := nextEvent(t, events, 30*time.Second)
		if ev.Type != "ADDED" || ev.Object.Key() != framework.Member2+"/"+f.ns+"/m2-late" {
			t.Fatalf("first event after the list: %s %s, want ADDED of member2's m2-late (the watch must not replay objects the list had)", ev.Type, ev.Object.Key())
		}
		rv := ev.Object.Metadata.ResourceVersion
		direct, err := f.members[framework.Member2].CoreV1().ConfigMaps(f.ns).Get(ctx, "m2-late", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if rv == "" || rv == direct.ResourceVersion {
			t.Errorf("the event's object carries resourceVersion %q, want the multi-cluster version (member2's own is %q)", rv, direct.ResourceVersion)
		}

		// An informer resumes from the last event's version: a change made
		// after it on another cluster is seen, and nothing before it again.
		events2 := openWatch(ctx, t, gp, f.path(), rv)
		patch := []byte(`{"data":{"touched":"yes"}}`)
		if _, err := f.members[framework.Member3].CoreV1().ConfigMaps(f.ns).Patch(ctx, "m3-db", "application/merge-patch+json", patch, metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		ev = nextEvent(t, events2, 30*time.Second)
		if ev.Type != "MODIFIED" || ev.Object.Key() != framework.Member3+"/"+f.ns+"/m3-db" || ev.Object.Data["touched"] != "yes" {
			t.Fatalf("first event after resuming: %s %s %v, want MODIFIED of member3's m3-db", ev.Type, ev.Object.Key(), ev.Object.Data)
		}
	})
}

// watchEvent is one event of a watch through the global view.
type watchEvent struct {
	Type   string           `json:"type"`
	Object framework.Object `json:"object"`
}

// openWatch starts a watch and returns its events; the channel closes when the
// watch ends. The watch ends with the test.
func openWatch(ctx context.Context, t *testing.T, v *framework.View, path, rv string) <-chan watchEvent {
	t.Helper()
	wctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	resp, err := v.Open(wctx, framework.Request{Path: path, Query: framework.Query("watch", "1", "resourceVersion", rv)})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		var body [4096]byte
		n, _ := resp.Body.Read(body[:])
		t.Fatalf("watch from %q: HTTP %d: %s", rv, resp.StatusCode, body[:n])
	}
	events := make(chan watchEvent, 100)
	go func() {
		defer close(events)
		defer resp.Body.Close()
		s := bufio.NewScanner(resp.Body)
		s.Buffer(make([]byte, 1<<20), 1<<24)
		for s.Scan() {
			var ev watchEvent
			if err := json.Unmarshal(s.Bytes(), &ev); err != nil {
				ev = watchEvent{Type: "UNDECODABLE: " + s.Text()}
			}
			select {
			case events <- ev:
			case <-wctx.Done():
				return
			}
		}
	}()
	return events
}

// nextEvent returns the next event that is not a bookmark.
func nextEvent(t *testing.T, events <-chan watchEvent, timeout time.Duration) watchEvent {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("the watch ended before the expected event")
			}
			if ev.Type == "BOOKMARK" {
				continue
			}
			return ev
		case <-deadline:
			t.Fatalf("no event within %s", timeout)
		}
	}
}

// TestGlobalProxyRouting checks that gets of names held by several clusters are
// refused, and that writes and subresources go to the one cluster holding the object.
func TestGlobalProxyRouting(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	f := newGlobalFixture(ctx, t, sb, "e2e-gproute")
	f.configMap(ctx, t, framework.Member1, "shared", nil)
	f.configMap(ctx, t, framework.Member2, "shared", nil)
	f.configMap(ctx, t, framework.Member3, "only3", nil)
	f.configMap(ctx, t, framework.Member1, "doomed", nil)
	gp := framework.GlobalProxy(t, sb.RESTConfig(t, framework.ControlPlane))
	mergePatch := "application/merge-patch+json"

	t.Run("get of an ambiguous name is 409 naming both clusters", func(t *testing.T) {
		wantCode(ctx, t, gp, framework.Request{Path: f.path("shared")}, http.StatusConflict, "member1", "member2")
		r := wantCode(ctx, t, gp, framework.Request{Path: f.path("shared"), Query: framework.Query("clusters", "member1")}, http.StatusOK)
		if o, err := framework.DecodeObject(r); err != nil || o.Cluster() != framework.Member1 || o.Data["cluster"] != framework.Member1 {
			t.Errorf("get with clusters=member1: %+v, %v", o, err)
		}
		r = wantCode(ctx, t, gp, framework.Request{Path: f.path("only3")}, http.StatusOK)
		if o, err := framework.DecodeObject(r); err != nil || o.Cluster() != framework.Member3 {
			t.Errorf("get of only3: %+v, %v", o, err)
		}
		wantCode(ctx, t, gp, framework.Request{Path: f.path("nowhere")}, http.StatusNotFound)
	})

	t.Run("patch goes to the owning cluster", func(t *testing.T) {
		wantCode(ctx, t, gp, framework.Request{Method: http.MethodPatch, Path: f.path("only3"), ContentType: mergePatch,
			Body: []byte(`{"data":{"patched":"through-global"}}`)}, http.StatusOK)
		got, err := f.members[framework.Member3].CoreV1().ConfigMaps(f.ns).Get(ctx, "only3", metav1.GetOptions{})
		if err != nil || got.Data["patched"] != "through-global" {
			t.Fatalf("member3's only3 after the patch: %v, %v", got.Data, err)
		}
	})

	t.Run("update with the version of a merged watch event", func(t *testing.T) {
		// An informer fed by the merged watch holds multi-cluster versions and
		// writes them back: the global proxy translates them for the owner.
		l := mustList(ctx, t, gp, f.path())
		events := openWatch(ctx, t, gp, f.path(), l.Metadata.ResourceVersion)
		if _, err := f.members[framework.Member3].CoreV1().ConfigMaps(f.ns).Patch(ctx, "only3", types.MergePatchType,
			[]byte(`{"data":{"seen":"by-watch"}}`), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		ev := nextEvent(t, events, 30*time.Second)
		if ev.Type != "MODIFIED" || ev.Object.Key() != framework.Member3+"/"+f.ns+"/only3" {
			t.Fatalf("event %s %s, want MODIFIED of member3's only3", ev.Type, ev.Object.Key())
		}
		obj := ev.Object
		obj.APIVersion, obj.Kind = "v1", "ConfigMap"
		delete(obj.Metadata.Annotations, framework.ClusterAnnotation)
		obj.Data["updated"] = "with-a-merged-version"
		body, err := json.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		put := framework.Request{Method: http.MethodPut, Path: f.path("only3"), ContentType: "application/json", Body: body}
		wantCode(ctx, t, gp, put, http.StatusOK)
		got, err := f.members[framework.Member3].CoreV1().ConfigMaps(f.ns).Get(ctx, "only3", metav1.GetOptions{})
		if err != nil || got.Data["updated"] != "with-a-merged-version" {
			t.Fatalf("member3's only3 after the update: %v, %v", got.Data, err)
		}
		// The same version again is stale now.
		wantCode(ctx, t, gp, put, http.StatusConflict)
	})

	t.Run("patch of an ambiguous name is 409", func(t *testing.T) {
		wantCode(ctx, t, gp, framework.Request{Method: http.MethodPatch, Path: f.path("shared"), ContentType: mergePatch,
			Body: []byte(`{"data":{"patched":"x"}}`)}, http.StatusConflict, "member1", "member2")
		for _, m := range []string{framework.Member1, framework.Member2} {
			got, err := f.members[m].CoreV1().ConfigMaps(f.ns).Get(ctx, "shared", metav1.GetOptions{})
			if err != nil || got.Data["patched"] != "" {
				t.Errorf("%s's shared after a refused patch: %v, %v", m, got.Data, err)
			}
		}
		wantCode(ctx, t, gp, framework.Request{Method: http.MethodPatch, Path: f.path("shared"), ContentType: mergePatch,
			Query: framework.Query("clusters", "member2"), Body: []byte(`{"data":{"patched":"m2"}}`)}, http.StatusOK)
		if got, err := f.members[framework.Member2].CoreV1().ConfigMaps(f.ns).Get(ctx, "shared", metav1.GetOptions{}); err != nil || got.Data["patched"] != "m2" {
			t.Errorf("member2's shared after a patch with clusters=member2: %v, %v", got.Data, err)
		}
	})

	t.Run("delete goes to the owning cluster", func(t *testing.T) {
		wantCode(ctx, t, gp, framework.Request{Method: http.MethodDelete, Path: f.path("doomed")}, http.StatusOK)
		if _, err := f.members[framework.Member1].CoreV1().ConfigMaps(f.ns).Get(ctx, "doomed", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Fatalf("member1's doomed after the delete: %v, want not found", err)
		}
		wantCode(ctx, t, gp, framework.Request{Method: http.MethodDelete, Path: f.path("doomed")}, http.StatusNotFound)
	})

	t.Run("create needs exactly one cluster", func(t *testing.T) {
		body := []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"created"},"data":{"k":"v"}}`)
		wantCode(ctx, t, gp, framework.Request{Method: http.MethodPost, Path: f.path(), ContentType: "application/json", Body: body}, http.StatusBadRequest)
		wantCode(ctx, t, gp, framework.Request{Method: http.MethodPost, Path: f.path(), ContentType: "application/json", Body: body,
			Query: framework.Query("clusters", "member1,member2")}, http.StatusBadRequest)
		wantCode(ctx, t, gp, framework.Request{Method: http.MethodPost, Path: f.path(), ContentType: "application/json", Body: body,
			Query: framework.Query("clusters", "member2")}, http.StatusCreated)
		for _, m := range framework.Members {
			_, err := f.members[m].CoreV1().ConfigMaps(f.ns).Get(ctx, "created", metav1.GetOptions{})
			if m == framework.Member2 && err != nil {
				t.Errorf("created with clusters=member2 but not on member2: %v", err)
			}
			if m != framework.Member2 && !apierrors.IsNotFound(err) {
				t.Errorf("created with clusters=member2 but %s has it too: %v", m, err)
			}
		}
	})

	t.Run("subresources go to the owning cluster", func(t *testing.T) {
		// The Deployment and its pod exist on member2 only.
		m2 := f.members[framework.Member2]
		d := framework.Deployment(f.ns, "web", 1)
		if _, err := m2.AppsV1().Deployments(f.ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		pod := waitRunningPod(ctx, t, m2, f.ns, "app=web")
		// kwok writes the pod's log lines once it runs; poll briefly for them.
		var last *framework.Response
		err := framework.Poll(ctx, 30*time.Second, func(ctx context.Context) (bool, string, error) {
			r, err := gp.Get(ctx, "/api/v1/namespaces/"+f.ns+"/pods/"+pod+"/log")
			if err != nil {
				return false, "", err
			}
			last = r
			return r.Code == http.StatusOK && strings.Contains(string(r.Body), "listening on :8080"), r.String(), nil
		})
		if err != nil {
			t.Fatalf("logs of %s through the global proxy: %v", pod, err)
		}
		if ct := last.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("logs have Content-Type %q, want text/plain", ct)
		}
		r := wantCode(ctx, t, gp, framework.Request{Path: "/apis/apps/v1/namespaces/" + f.ns + "/deployments/web/status"}, http.StatusOK)
		if o, err := framework.DecodeObject(r); err != nil || o.Kind != "Deployment" || o.Metadata.Name != "web" {
			t.Errorf("deployments/web/status: %+v, %v", o, err)
		}
		r = wantCode(ctx, t, gp, framework.Request{Path: "/apis/apps/v1/namespaces/" + f.ns + "/deployments/web/scale"}, http.StatusOK)
		if o, err := framework.DecodeObject(r); err != nil || o.Kind != "Scale" {
			t.Errorf("deployments/web/scale: %+v, %v", o, err)
		}
		wantCode(ctx, t, gp, framework.Request{Path: "/api/v1/namespaces/" + f.ns + "/pods/no-such-pod/log"}, http.StatusNotFound)
	})
}

// TestGlobalProxyKubectl drives plain kubectl with a kubeconfig whose server is
// the global proxy.
func TestGlobalProxyKubectl(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	f := newGlobalFixture(ctx, t, sb, "e2e-gpkubectl")
	f.configMap(ctx, t, framework.Member1, "from-one", nil)
	f.configMap(ctx, t, framework.Member3, "from-three", nil)
	kc := sb.GlobalProxyKubeconfig(t)

	out, err := framework.Run(ctx, "kubectl", "--kubeconfig", kc, "get", "configmaps", "-n", f.ns)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if fields := strings.Fields(lines[0]); len(fields) < 2 || fields[0] != "CLUSTER" || fields[1] != "NAME" {
		t.Fatalf("kubectl get configmaps printed no CLUSTER column first:\n%s", out)
	}
	var rows []string
	for _, l := range lines[1:] {
		fields := strings.Fields(l)
		rows = append(rows, fields[0]+"/"+fields[1])
	}
	want := []string{"member1/from-one", "member1/kube-root-ca.crt", "member2/kube-root-ca.crt", "member3/from-three", "member3/kube-root-ca.crt"}
	if !slices.Equal(rows, want) {
		t.Errorf("kubectl get configmaps rows\n got %v\nwant %v\n%s", rows, want, out)
	}

	out, err = framework.Run(ctx, "kubectl", "--kubeconfig", kc, "get", "configmap", "from-three", "-n", f.ns,
		"-o", "jsonpath={.metadata.annotations.resource\\.karmada\\.io/cached-from-cluster}")
	if err != nil || out != framework.Member3 {
		t.Errorf("kubectl get configmap from-three: %q, %v", out, err)
	}
}
