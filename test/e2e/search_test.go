package e2e

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	searchv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/search/v1alpha1"
	"github.com/fleetplane/fleetplane/test/e2e/framework"
)

// searchFreshness bounds how long a change on a member takes to show in the search.
const searchFreshness = 10 * time.Second

// newRegistry builds a ResourceRegistry of every cluster for the selectors.
func newRegistry(name string, selectors ...searchv1alpha1.ResourceSelector) *searchv1alpha1.ResourceRegistry {
	return &searchv1alpha1.ResourceRegistry{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       searchv1alpha1.ResourceRegistrySpec{ResourceSelectors: selectors},
	}
}

// waitSearch polls a search until its items are exactly want.
func waitSearch(ctx context.Context, t *testing.T, v *framework.View, timeout time.Duration, what, path string, want []string, kv ...string) time.Duration {
	t.Helper()
	start := time.Now()
	framework.WaitFor(ctx, t, timeout, what, func(ctx context.Context) (bool, string, error) {
		r, err := v.Get(ctx, path, kv...)
		if err != nil {
			return false, "", err
		}
		l, err := framework.DecodeList(r)
		if err != nil {
			return false, "", err
		}
		return slices.Equal(l.Keys(), want), fmt.Sprint(l.Keys()), nil
	})
	return time.Since(start)
}

// TestSearch queries a ResourceRegistry of one namespace's ConfigMaps.
func TestSearch(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	f := newGlobalFixture(ctx, t, sb, "e2e-search")
	m1, m2, m3 := framework.Member1, framework.Member2, framework.Member3
	f.configMap(ctx, t, m1, "checkout", nil)
	f.configMap(ctx, t, m1, "checkout-api", nil)
	f.configMap(ctx, t, m1, "cart", nil)
	f.configMap(ctx, t, m2, "checkout-web", nil)
	f.configMap(ctx, t, m2, "catalog", nil)
	f.configMap(ctx, t, m3, "checkout", nil)
	f.configMap(ctx, t, m3, "payments", nil)
	label := map[string]string{"e2e-search": f.ns}
	for cluster, name := range map[string]string{m1: "s-one", m3: "s-two"} {
		secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: f.ns, Labels: label}, StringData: map[string]string{"k": "v"}}
		if _, err := f.members[cluster].CoreV1().Secrets(f.ns).Create(ctx, secret, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	sb.CreateRegistry(ctx, t, newRegistry(framework.RandomName("e2e-search"),
		searchv1alpha1.ResourceSelector{APIVersion: "v1", Kind: "ConfigMap", Namespace: f.ns},
		searchv1alpha1.ResourceSelector{APIVersion: "v1", Kind: "Secret", Namespace: f.ns}))
	search := framework.Search(t, sb.RESTConfig(t, framework.ControlPlane))
	all := f.keys(m1, "cart", m1, "checkout", m1, "checkout-api", m1, "kube-root-ca.crt",
		m2, "catalog", m2, "checkout-web", m2, "kube-root-ca.crt",
		m3, "checkout", m3, "kube-root-ca.crt", m3, "payments")

	// The registry is Ready once every shard has listed: from then on the search
	// is complete.
	waitSearch(ctx, t, search, searchFreshness, "the search to hold the fixture", f.path(), all)

	t.Run("list", func(t *testing.T) {
		l := mustList(ctx, t, search, f.path())
		checkList(t, "list", l, all)
		if l.Kind != "ConfigMapList" {
			t.Errorf("kind %q, want ConfigMapList", l.Kind)
		}
	})

	t.Run("answered from the cache", func(t *testing.T) {
		const n = 10
		before := sb.ProxyMetric(ctx, t, "fleetplane_search_cache_hits_total")
		for range n {
			checkList(t, "list", mustList(ctx, t, search, f.path()), all)
		}
		after := sb.ProxyMetric(ctx, t, "fleetplane_search_cache_hits_total")
		// One hit per cluster and query; other users of the sandbox only add to it.
		if after-before < 3*n {
			t.Errorf("%d searches over 3 clusters made %v cache hits, want at least %d: the search did not answer from the cache", n, after-before, 3*n)
		}
	})

	t.Run("a shard of one namespace", func(t *testing.T) {
		// The Secrets are cached from f.ns only: a query of that namespace is
		// answered from the cache, one of every namespace from the members.
		secrets := "/api/v1/namespaces/" + f.ns + "/secrets"
		hits := sb.ProxyMetric(ctx, t, "fleetplane_search_cache_hits_total")
		waitSearch(ctx, t, search, searchFreshness, "the Secrets in the search", secrets, f.keys(m1, "s-one", m3, "s-two"))
		if got := sb.ProxyMetric(ctx, t, "fleetplane_search_cache_hits_total") - hits; got < 3 {
			t.Errorf("a search of the cached namespace made %v cache hits, want at least 3", got)
		}
		misses := sb.ProxyMetric(ctx, t, "fleetplane_search_cache_misses_total")
		l := mustList(ctx, t, search, "/api/v1/secrets", "labelSelector", "e2e-search="+f.ns)
		checkList(t, "all namespaces", l, f.keys(m1, "s-one", m3, "s-two"))
		if got := sb.ProxyMetric(ctx, t, "fleetplane_search_cache_misses_total") - misses; got < 3 {
			t.Errorf("a search of every namespace made %v cache misses, want at least 3 (the shards hold one namespace)", got)
		}
		l = mustList(ctx, t, search, "/api/v1/secrets", "labelSelector", "e2e-search="+f.ns, "name", "s-t*")
		checkList(t, "all namespaces, name=s-t*", l, f.keys(m3, "s-two"))
	})

	t.Run("name filters", func(t *testing.T) {
		for _, c := range []struct {
			kv   []string
			want []string
		}{
			{[]string{"name", "checkout"}, f.keys(m1, "checkout", m3, "checkout")},
			{[]string{"name", "checkout-*"}, f.keys(m1, "checkout-api", m2, "checkout-web")},
			{[]string{"name", "checkout*"}, f.keys(m1, "checkout", m1, "checkout-api", m2, "checkout-web", m3, "checkout")},
			// A subsequence, not a substring: c-a-t is in kube-root-ca.crt too.
			{[]string{"q", "cat"}, f.keys(m1, "cart", m1, "kube-root-ca.crt", m2, "catalog", m2, "kube-root-ca.crt", m3, "kube-root-ca.crt")},
			{[]string{"q", "ATLG"}, f.keys(m2, "catalog")},
			{[]string{"q", "CHKOUT"}, f.keys(m1, "checkout", m1, "checkout-api", m2, "checkout-web", m3, "checkout")},
			{[]string{"q", "pymnts"}, f.keys(m3, "payments")},
			{[]string{"name", "nothing-like-it"}, nil},
			{[]string{"name", "checkout*", "clusters", "member2,member3"}, f.keys(m2, "checkout-web", m3, "checkout")},
		} {
			l := mustList(ctx, t, search, f.path(), c.kv...)
			checkList(t, fmt.Sprint(c.kv), l, c.want)
		}
	})

	t.Run("get", func(t *testing.T) {
		wantCode(ctx, t, search, framework.Request{Path: f.path("checkout")}, http.StatusConflict, "member1", "member3")
		r := wantCode(ctx, t, search, framework.Request{Path: f.path("checkout"), Query: framework.Query("clusters", "member3")}, http.StatusOK)
		if o, err := framework.DecodeObject(r); err != nil || o.Cluster() != m3 || o.Data["cluster"] != m3 {
			t.Errorf("get checkout with clusters=member3: %+v, %v", o, err)
		}
		wantCode(ctx, t, search, framework.Request{Path: f.path("payments")}, http.StatusOK)
		wantCode(ctx, t, search, framework.Request{Path: f.path("nowhere")}, http.StatusNotFound)
	})

	t.Run("pagination", func(t *testing.T) {
		for _, limit := range []int{1, 2, 4} {
			pages, items := walkPages(ctx, t, search, f.path(), limit)
			checkList(t, fmt.Sprintf("pages of %d", limit), &framework.List{Items: items}, all)
			if want := (len(all) + limit - 1) / limit; len(pages) < want {
				t.Errorf("limit=%d: %d pages, want at least %d", limit, len(pages), want)
			}
		}
		_, items := walkPages(ctx, t, search, f.path(), 1, "name", "checkout*")
		checkList(t, "pages of name=checkout*", &framework.List{Items: items},
			f.keys(m1, "checkout", m1, "checkout-api", m2, "checkout-web", m3, "checkout"))
	})

	t.Run("garbled continue and resourceVersion are 400", func(t *testing.T) {
		l := mustList(ctx, t, search, f.path(), "limit", "2")
		tok := l.Metadata.Continue
		if tok == "" {
			t.Fatal("a first page of 2 has no continue token")
		}
		if strings.Contains(tok, f.ns) || strings.Contains(tok, "member") {
			t.Errorf("the continue token is not opaque: %q", tok)
		}
		for _, c := range []string{"garbage", tok[:len(tok)-3] + "!!!", "sc1.e30", "mc1.e30"} {
			wantCode(ctx, t, search, framework.Request{Path: f.path(), Query: framework.Query("limit", "2", "continue", c)}, http.StatusBadRequest)
		}
		for _, rv := range []string{"garbage", "12345", "mc1.!!!"} {
			wantCode(ctx, t, search, framework.Request{Path: f.path(), Query: framework.Query("resourceVersion", rv)}, http.StatusBadRequest)
		}
		wantCode(ctx, t, search, framework.Request{Path: f.path(), Query: framework.Query("limit", "x")}, http.StatusBadRequest)
	})

	t.Run("changes on members show within seconds", func(t *testing.T) {
		f.configMap(ctx, t, m2, "checkout-late", nil)
		took := waitSearch(ctx, t, search, searchFreshness, "member2's checkout-late in the search", f.path(),
			f.keys(m2, "checkout-late"), "name", "checkout-late")
		t.Logf("a ConfigMap created on member2 showed in the search after %s", took.Round(time.Millisecond))

		if err := f.members[m1].CoreV1().ConfigMaps(f.ns).Delete(ctx, "cart", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		took = waitSearch(ctx, t, search, searchFreshness, "member1's cart gone from the search", f.path(),
			nil, "name", "cart")
		t.Logf("a ConfigMap deleted on member1 left the search after %s", took.Round(time.Millisecond))
	})
}
