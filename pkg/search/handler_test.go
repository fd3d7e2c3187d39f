package search

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	authorizationv1 "k8s.io/api/authorization/v1"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/component-base/metrics/legacyregistry"

	"github.com/fleetplane/fleetplane/internal/membertest"
	"github.com/fleetplane/fleetplane/pkg/auth/memberaccess"
	"github.com/fleetplane/fleetplane/pkg/proxy/global"
	"github.com/fleetplane/fleetplane/pkg/search/cache"
)

// reviewer is a fake memberaccess.Reviewer: allow decides each review.
type reviewer struct {
	mu      sync.Mutex
	allow   func(cluster string, a *authorizationv1.ResourceAttributes) bool
	reviews []string // cluster/verb/namespace of every review
}

func (r *reviewer) Review(_ context.Context, cluster string, review *authorizationv1.SubjectAccessReview) (*authorizationv1.SubjectAccessReview, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	a := review.Spec.ResourceAttributes
	r.reviews = append(r.reviews, cluster+"/"+a.Verb+"/"+a.Namespace)
	out := review.DeepCopy()
	out.Status.Allowed = r.allow == nil || r.allow(cluster, a)
	return out, nil
}

// searchFleet starts member1 and member2 with ConfigMaps of two teams.
func searchFleet(t *testing.T) *membertest.Fleet {
	t.Helper()
	f := membertest.NewFleet(t, "member1", "member2")
	m1, m2 := f.Member("member1"), f.Member("member2")
	m1.Add("team-a", "checkout", map[string]string{"app": "shop"})
	m1.Add("team-a", "checkout-api", map[string]string{"app": "shop"})
	m1.Add("team-a", "cart", map[string]string{"app": "shop"})
	m1.Add("team-b", "checkout", map[string]string{"app": "pay"})
	m1.Add("team-b", "payments", map[string]string{"app": "pay"})
	m2.Add("team-a", "catalog", map[string]string{"app": "shop"})
	m2.Add("team-a", "checkout-web", map[string]string{"app": "shop"})
	m2.Add("team-b", "Chkout-Old", nil)
	return f
}

type fixture struct {
	fleet    *membertest.Fleet
	cache    *cache.Cache
	reviewer *reviewer
	h        *Handler
}

// newFixture returns a search over f whose cache holds every member's
// ConfigMaps, unless opts bound it.
func newFixture(t *testing.T, f *membertest.Fleet, opts cache.Options, fill ...string) *fixture {
	t.Helper()
	fx := &fixture{fleet: f, cache: cache.New(opts), reviewer: &reviewer{}}
	fx.h = &Handler{
		Cache:  fx.cache,
		Global: &global.Handler{Clusters: f, Members: f, ClusterTimeout: 10 * time.Second},
		Access: memberaccess.NewChecker(fx.reviewer, func(_ string, u user.Info) user.Info { return u }, 1000, time.Minute),
	}
	for _, name := range fill {
		fx.fill(t, name)
	}
	return fx
}

func (fx *fixture) fill(t *testing.T, cluster string) *cache.Shard {
	t.Helper()
	m := fx.fleet.Member(cluster)
	s := fx.cache.Shard(cluster, membertest.ConfigMaps, "ConfigMap", "")
	if err := s.Replace(m.Objects(), m.RV()); err != nil {
		t.Fatal(err)
	}
	return s
}

func (fx *fixture) list(t *testing.T, path, query string) (*membertest.Result, *membertest.List) {
	t.Helper()
	res := membertest.Do(t, fx.h, membertest.Call{Path: path, Query: query})
	var l membertest.List
	if res.Code == http.StatusOK {
		res.Decode(t, &l)
	}
	return res, &l
}

// memberLists counts the lists the members answered.
func (fx *fixture) memberLists(names ...string) int {
	n := 0
	for _, name := range names {
		for _, r := range fx.fleet.Member(name).Requests() {
			if r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/configmaps") {
				n++
			}
		}
	}
	return n
}

var cmpEmpty = cmpopts.EquateEmpty()

const configMapsPath = "/api/v1/configmaps"

var everything = []string{
	"member1/team-a/cart", "member1/team-a/checkout", "member1/team-a/checkout-api", "member1/team-b/checkout", "member1/team-b/payments",
	"member2/team-a/catalog", "member2/team-a/checkout-web", "member2/team-b/Chkout-Old",
}

func TestSearchFilters(t *testing.T) {
	fx := newFixture(t, searchFleet(t), cache.Options{}, "member1", "member2")
	for _, tc := range []struct {
		path, query string
		want        []string
	}{
		{configMapsPath, "", everything},
		{configMapsPath, "name=checkout", []string{"member1/team-a/checkout", "member1/team-b/checkout"}},
		{configMapsPath, "name=checkout-*", []string{"member1/team-a/checkout-api", "member2/team-a/checkout-web"}},
		{configMapsPath, "name=checkout*", []string{"member1/team-a/checkout", "member1/team-a/checkout-api", "member1/team-b/checkout", "member2/team-a/checkout-web"}},
		{configMapsPath, "q=chkout", []string{"member1/team-a/checkout", "member1/team-a/checkout-api", "member1/team-b/checkout", "member2/team-a/checkout-web", "member2/team-b/Chkout-Old"}},
		{configMapsPath, "q=CHKOUTW", []string{"member2/team-a/checkout-web"}},
		{configMapsPath, "labelSelector=app%3Dpay", []string{"member1/team-b/checkout", "member1/team-b/payments"}},
		{configMapsPath, "labelSelector=app+in+(shop),app!%3Dpay&name=c*", []string{"member1/team-a/cart", "member1/team-a/checkout", "member1/team-a/checkout-api", "member2/team-a/catalog", "member2/team-a/checkout-web"}},
		{configMapsPath, "fieldSelector=metadata.name%3Dcheckout", []string{"member1/team-a/checkout", "member1/team-b/checkout"}},
		{configMapsPath, "fieldSelector=metadata.name%3Dcheckout,metadata.namespace%3Dteam-b", []string{"member1/team-b/checkout"}},
		{configMapsPath, "fieldSelector=metadata.name%3Dcheckout&name=payments", nil},
		{"/api/v1/namespaces/team-a/configmaps", "name=c*", []string{"member1/team-a/cart", "member1/team-a/checkout", "member1/team-a/checkout-api", "member2/team-a/catalog", "member2/team-a/checkout-web"}},
		{configMapsPath, "clusters=member2", []string{"member2/team-a/catalog", "member2/team-a/checkout-web", "member2/team-b/Chkout-Old"}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			res, l := fx.list(t, tc.path, tc.query)
			res.Want(t, http.StatusOK)
			if diff := cmp.Diff(tc.want, l.Keys(), cmpEmpty); diff != "" {
				t.Errorf("%s?%s (-want +got):\n%s", tc.path, tc.query, diff)
			}
			for _, it := range l.Items {
				if it.Data["cluster"] != it.Cluster() {
					t.Errorf("%s: annotated with %q, from %q", it.Key(), it.Cluster(), it.Data["cluster"])
				}
			}
		})
	}
	if n := fx.memberLists("member1", "member2"); n != 0 {
		t.Errorf("the members answered %d lists; the cache can answer all", n)
	}

	for _, q := range []string{"fieldSelector=spec.nodeName%3Dx", "fieldSelector=metadata.name!%3Dx", "labelSelector=%3D%3D%3D", "limit=-2", "resourceVersion=42"} {
		t.Run(q, func(t *testing.T) {
			res, _ := fx.list(t, configMapsPath, q)
			res.Want(t, http.StatusBadRequest)
		})
	}
}

func TestSearchPagination(t *testing.T) {
	f := searchFleet(t)
	m3 := membertest.NewMember(t, "member3", 300)
	f.Add(membertest.Cluster("member3", nil, "True", ""), m3)
	m3.Add("team-c", "x", nil)
	m3.Add("team-c", "y", nil)
	want := append(slices.Clone(everything), "member3/team-c/x", "member3/team-c/y")
	for _, limit := range []string{"1", "2", "3", "5", "8", "100"} {
		t.Run("limit="+limit, func(t *testing.T) {
			fx := newFixture(t, f, cache.Options{}, "member1", "member2", "member3")
			var got []string
			cont := ""
			for page := 0; ; page++ {
				if page > 20 {
					t.Fatal("pagination does not end")
				}
				q := url.Values{"limit": {limit}}
				if cont != "" {
					q.Set("continue", cont)
				}
				res, l := fx.list(t, configMapsPath, q.Encode())
				res.Want(t, http.StatusOK)
				got = append(got, l.Keys()...)
				if page == 0 {
					v, _, err := global.ParseVersion(l.Metadata.ResourceVersion)
					if err != nil || len(v) != 3 {
						t.Errorf("first page's version %v (%v) does not cover the 3 clusters", v, err)
					}
				}
				if cont = l.Metadata.Continue; cont == "" {
					break
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("items over all pages (-want +got):\n%s", diff)
			}
		})
	}

	fx := newFixture(t, f, cache.Options{}, "member1", "member2", "member3")
	_, first := fx.list(t, configMapsPath, "limit=2")
	for name, q := range map[string]url.Values{
		"garbage":                  {"continue": {"garbage"}},
		"proxy's token":            {"continue": {"mc1.eyJjIjoibWVtYmVyMSJ9"}},
		"bad base64":               {"continue": {tokenPrefix + "!!"}},
		"token for other clusters": {"continue": {token{Cluster: "member9"}.encode()}},
		"clusters changed":         {"continue": {first.Metadata.Continue}, "clusters": {"member3"}},
	} {
		t.Run(name, func(t *testing.T) {
			res, _ := fx.list(t, configMapsPath, q.Encode())
			res.Want(t, http.StatusBadRequest)
		})
	}
}

// onlyTeamAOnMember1 lets the caller see ConfigMaps of namespace team-a on
// member1 and nothing else.
func onlyTeamAOnMember1(cluster string, a *authorizationv1.ResourceAttributes) bool {
	return cluster == "member1" && a.Namespace == "team-a" && a.Resource == "configmaps"
}

func TestSearchFiltersByMemberRBAC(t *testing.T) {
	fx := newFixture(t, searchFleet(t), cache.Options{}, "member1", "member2")
	fx.reviewer.allow = onlyTeamAOnMember1

	res, l := fx.list(t, configMapsPath, "")
	res.Want(t, http.StatusOK)
	if diff := cmp.Diff([]string{"member1/team-a/cart", "member1/team-a/checkout", "member1/team-a/checkout-api"}, l.Keys()); diff != "" {
		t.Errorf("all namespaces (-want +got):\n%s", diff)
	}
	if len(res.Warnings) != 0 {
		t.Errorf("warnings %q", res.Warnings)
	}
	_, l = fx.list(t, "/api/v1/namespaces/team-a/configmaps", "")
	if diff := cmp.Diff([]string{"member1/team-a/cart", "member1/team-a/checkout", "member1/team-a/checkout-api"}, l.Keys()); diff != "" {
		t.Errorf("namespace team-a (-want +got):\n%s", diff)
	}
	// Paginated, the denied objects do not count against the limit either.
	_, l = fx.list(t, configMapsPath, "limit=2")
	if diff := cmp.Diff([]string{"member1/team-a/cart", "member1/team-a/checkout"}, l.Keys()); diff != "" {
		t.Errorf("first page (-want +got):\n%s", diff)
	}

	res, _ = fx.list(t, "/api/v1/namespaces/team-b/configmaps", "")
	res.Want(t, http.StatusForbidden)
	res = membertest.Do(t, fx.h, membertest.Call{Path: "/api/v1/namespaces/team-b/configmaps/checkout"})
	res.Want(t, http.StatusForbidden)

	// The reviews ask about the caller's exact verb, resource and namespace.
	fx.reviewer.mu.Lock()
	reviews := slices.Clone(fx.reviewer.reviews)
	fx.reviewer.mu.Unlock()
	for _, want := range []string{"member1/list/", "member1/list/team-a", "member1/list/team-b", "member2/list/team-a", "member2/get/team-b"} {
		if !slices.Contains(reviews, want) {
			t.Errorf("no review %s among %q", want, reviews)
		}
	}
	// Nothing was read from the members: their own RBAC was asked, not their objects.
	if n := fx.memberLists("member1", "member2"); n != 0 {
		t.Errorf("the members answered %d lists", n)
	}
}

func TestSearchGet(t *testing.T) {
	fx := newFixture(t, searchFleet(t), cache.Options{}, "member1", "member2")
	res := membertest.Do(t, fx.h, membertest.Call{Path: "/api/v1/namespaces/team-a/configmaps/catalog"}).Want(t, http.StatusOK)
	var obj membertest.Object
	res.Decode(t, &obj)
	if obj.Key() != "member2/team-a/catalog" || obj.Kind != "ConfigMap" {
		t.Errorf("got %s %s", obj.Kind, obj.Key())
	}
	membertest.Do(t, fx.h, membertest.Call{Path: "/api/v1/namespaces/team-a/configmaps/nothing"}).Want(t, http.StatusNotFound)

	fx.fleet.Member("member2").Add("team-a", "cart", nil)
	fx.fill(t, "member2")
	res = membertest.Do(t, fx.h, membertest.Call{Path: "/api/v1/namespaces/team-a/configmaps/cart"}).Want(t, http.StatusConflict)
	if msg := res.Err.Error(); !strings.Contains(msg, "member1") || !strings.Contains(msg, "member2") {
		t.Errorf("conflict %q does not name both clusters", msg)
	}
	membertest.Do(t, fx.h, membertest.Call{Path: "/api/v1/namespaces/team-a/configmaps/cart", Query: "clusters=member2"}).Want(t, http.StatusOK)
}

func TestSearchFallsThroughToMembers(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts cache.Options
		// setup prepares member2's shard (member1's is filled).
		setup func(t *testing.T, fx *fixture)
		// live is the cluster the cache cannot answer for.
		live string
	}{
		{"no shard", cache.Options{}, func(*testing.T, *fixture) {}, "member2"},
		{"not synced", cache.Options{}, func(_ *testing.T, fx *fixture) {
			fx.cache.Shard("member2", membertest.ConfigMaps, "ConfigMap", "")
		}, "member2"},
		{"evicted", cache.Options{MaxObjects: 7}, func(t *testing.T, fx *fixture) {
			// member1's 5 and member2's 3 do not fit in 7: the oldest
			// (member1's first) is evicted when member2's shard is filled.
			fx.fill(t, "member2")
			if fx.cache.Len() != 7 {
				t.Fatalf("the cache holds %d objects, want 7", fx.cache.Len())
			}
		}, "member1"},
		{"another namespace", cache.Options{}, func(t *testing.T, fx *fixture) {
			m := fx.fleet.Member("member2")
			s := fx.cache.Shard("member2", membertest.ConfigMaps, "ConfigMap", "team-z")
			if err := s.Replace(nil, m.RV()); err != nil {
				t.Fatal(err)
			}
		}, "member2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fx := newFixture(t, searchFleet(t), tc.opts)
			fx.fill(t, "member1")
			tc.setup(t, fx)
			hits, misses := counter(t, "hits"), counter(t, "misses")

			res, l := fx.list(t, configMapsPath, "")
			res.Want(t, http.StatusOK)
			if diff := cmp.Diff(everything, l.Keys()); diff != "" {
				t.Errorf("items (-want +got):\n%s", diff)
			}
			for _, it := range l.Items {
				if it.Data["cluster"] != it.Cluster() {
					t.Errorf("%s: annotated with %q, from %q", it.Key(), it.Cluster(), it.Data["cluster"])
				}
			}
			v, _, err := global.ParseVersion(l.Metadata.ResourceVersion)
			if err != nil || len(v) != 2 || v[tc.live] != fx.fleet.Member(tc.live).RV() {
				t.Errorf("version %v (%v), want both clusters, %s's from its live list", v, err, tc.live)
			}
			cached := map[string]string{"member1": "member2", "member2": "member1"}[tc.live]
			if fx.memberLists(tc.live) != 1 || fx.memberLists(cached) != 0 {
				t.Errorf("%s answered %d lists, %s %d; want 1 and 0", tc.live, fx.memberLists(tc.live), cached, fx.memberLists(cached))
			}
			if d := counter(t, "misses") - misses; d != 1 {
				t.Errorf("misses moved by %v, want 1", d)
			}
			if d := counter(t, "hits") - hits; d != 1 {
				t.Errorf("hits moved by %v, want 1", d)
			}

			// The live answer is filtered like the cached one.
			_, l = fx.list(t, configMapsPath, "name=c*&labelSelector=app%3Dshop")
			want := []string{"member1/team-a/cart", "member1/team-a/checkout", "member1/team-a/checkout-api", "member2/team-a/catalog", "member2/team-a/checkout-web"}
			if diff := cmp.Diff(want, l.Keys()); diff != "" {
				t.Errorf("filtered (-want +got):\n%s", diff)
			}
			_, l = fx.list(t, configMapsPath, "q=chkout")
			want = []string{"member1/team-a/checkout", "member1/team-a/checkout-api", "member1/team-b/checkout", "member2/team-a/checkout-web", "member2/team-b/Chkout-Old"}
			if diff := cmp.Diff(want, l.Keys()); diff != "" {
				t.Errorf("fuzzy (-want +got):\n%s", diff)
			}
			name := map[string]string{"member1": "payments", "member2": "catalog"}[tc.live]
			_, l = fx.list(t, configMapsPath, "fieldSelector=metadata.name%3D"+name)
			if len(l.Items) != 1 || l.Items[0].Metadata.Name != name || l.Items[0].Cluster() != tc.live {
				t.Errorf("by name: %v", l.Keys())
			}
			reqs := fx.fleet.Member(tc.live).Requests()
			if last := reqs[len(reqs)-1]; last.Query.Get("fieldSelector") != "metadata.name="+name || last.Header.Get("Impersonate-User") != "alice" {
				t.Errorf("%s was asked %v as %q", tc.live, last.Query, last.Header.Get("Impersonate-User"))
			}
			// And paginated: every object once.
			var got []string
			cont := ""
			for page := 0; page < 20; page++ {
				q := url.Values{"limit": {"3"}}
				if cont != "" {
					q.Set("continue", cont)
				}
				res, l := fx.list(t, configMapsPath, q.Encode())
				res.Want(t, http.StatusOK)
				got = append(got, l.Keys()...)
				if cont = l.Metadata.Continue; cont == "" {
					break
				}
			}
			if diff := cmp.Diff(everything, got); diff != "" {
				t.Errorf("pages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSearchFallThroughFailures(t *testing.T) {
	fx := newFixture(t, searchFleet(t), cache.Options{}, "member1")
	fx.fleet.Member("member2").SetMode(membertest.Broken)
	res, l := fx.list(t, configMapsPath, "")
	res.Want(t, http.StatusOK)
	if diff := cmp.Diff(everything[:5], l.Keys()); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	if len(res.Warnings) != 1 || !strings.HasPrefix(res.Warnings[0], "cluster member2: ") {
		t.Errorf("warnings %q, want one naming member2", res.Warnings)
	}

	// A member that forbids the caller is left out silently; all of them: 403.
	fx.fleet.Member("member2").SetMode(membertest.Forbidden)
	res, _ = fx.list(t, configMapsPath, "")
	res.Want(t, http.StatusOK)
	if len(res.Warnings) != 0 {
		t.Errorf("warnings %q", res.Warnings)
	}
	fx.reviewer.allow = func(string, *authorizationv1.ResourceAttributes) bool { return false }
	res, _ = fx.list(t, "/api/v1/namespaces/team-a/configmaps", "")
	res.Want(t, http.StatusForbidden)
}

func TestSearchWaitsForFreshness(t *testing.T) {
	fx := newFixture(t, searchFleet(t), cache.Options{}, "member1", "member2")
	s1 := fx.cache.Shard("member1", membertest.ConfigMaps, "", "")
	// A version newer than the cache: the search waits for the shard to
	// catch up and answers from it.
	newer := global.Version{"member1": "1000", "member2": fx.fleet.Member("member2").RV()}.Encode()
	go func() {
		time.Sleep(200 * time.Millisecond)
		s1.Bookmark("1000")
	}()
	res, l := fx.list(t, configMapsPath, url.Values{"resourceVersion": {newer}}.Encode())
	res.Want(t, http.StatusOK)
	if diff := cmp.Diff(everything, l.Keys()); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	if n := fx.memberLists("member1", "member2"); n != 0 {
		t.Errorf("the members answered %d lists", n)
	}

	// A shard that does not catch up in time is not answered from.
	newest := global.Version{"member1": "2000"}.Encode()
	res, l = fx.list(t, configMapsPath, url.Values{"resourceVersion": {newest}}.Encode())
	res.Want(t, http.StatusOK)
	if diff := cmp.Diff(everything, l.Keys()); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	if n := fx.memberLists("member1"); n != 1 {
		t.Errorf("member1 answered %d lists, want 1", n)
	}
}

func TestSearchOtherVerbsGoToGlobalProxy(t *testing.T) {
	fx := newFixture(t, searchFleet(t), cache.Options{}, "member1", "member2")
	// Discovery is the global proxy's.
	res := membertest.Do(t, fx.h, membertest.Call{Path: "/api/v1"}).Want(t, http.StatusOK)
	if !strings.Contains(string(res.Body), `"configmaps"`) {
		t.Errorf("/api/v1: %s", res.Body)
	}
	// Writes are not the search's.
	membertest.Do(t, fx.h, membertest.Call{Method: http.MethodPost, Path: "/api/v1/namespaces/team-a/configmaps", Query: "clusters=member1",
		Body: `{"metadata":{"name":"x"}}`}).Want(t, http.StatusMethodNotAllowed)
	membertest.Do(t, fx.h, membertest.Call{Method: http.MethodDelete, Path: "/api/v1/namespaces/team-a/configmaps/cart"}).Want(t, http.StatusMethodNotAllowed)
	if n := len(fx.fleet.Connections()); n != 0 {
		t.Errorf("%d requests were forwarded to members", n)
	}
}

func TestSearchTable(t *testing.T) {
	fx := newFixture(t, searchFleet(t), cache.Options{}, "member1", "member2")
	res := membertest.Do(t, fx.h, membertest.Call{Path: configMapsPath, Query: "name=checkout",
		Accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"}).Want(t, http.StatusOK)
	var tbl struct {
		Kind              string `json:"kind"`
		ColumnDefinitions []struct {
			Name string `json:"name"`
		} `json:"columnDefinitions"`
		Rows []struct {
			Cells  []any             `json:"cells"`
			Object membertest.Object `json:"object"`
		} `json:"rows"`
	}
	res.Decode(t, &tbl)
	if tbl.Kind != "Table" || len(tbl.ColumnDefinitions) == 0 || tbl.ColumnDefinitions[0].Name != "Cluster" {
		t.Fatalf("not a Table with a Cluster column: %s", res.Body)
	}
	var rows []string
	for _, r := range tbl.Rows {
		rows = append(rows, r.Cells[0].(string)+"/"+r.Object.Metadata.Namespace+"/"+r.Cells[1].(string))
		if r.Object.Cluster() != r.Cells[0] {
			t.Errorf("row %v: object annotated with %q", r.Cells, r.Object.Cluster())
		}
	}
	if diff := cmp.Diff([]string{"member1/team-a/checkout", "member1/team-b/checkout"}, rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

// counter reads fleetplane_search_cache_<name>_total.
func counter(t *testing.T, name string) float64 {
	t.Helper()
	families, err := legacyregistry.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == "fleetplane_search_cache_"+name+"_total" {
			var sum float64
			for _, m := range f.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
			return sum
		}
	}
	return 0
}

func TestSearchClustersParam(t *testing.T) {
	fx := newFixture(t, searchFleet(t), cache.Options{}, "member1", "member2")
	_, l := fx.list(t, configMapsPath, "clusters=member2,member2,%20member2")
	if diff := cmp.Diff(everything[5:], l.Keys()); diff != "" {
		t.Errorf("a cluster named twice (-want +got):\n%s", diff)
	}
	res, _ := fx.list(t, configMapsPath, "clusters=member1,ghost")
	res.Want(t, http.StatusNotFound)
	fx.fleet.SetReady("member2", "False", "lost")
	res, l = fx.list(t, configMapsPath, "")
	res.Want(t, http.StatusOK)
	if diff := cmp.Diff(everything[:5], l.Keys()); diff != "" {
		t.Errorf("with member2 NotReady (-want +got):\n%s", diff)
	}
	if len(res.Warnings) != 1 || !strings.HasPrefix(res.Warnings[0], "cluster member2: ") {
		t.Errorf("warnings %q, want one naming member2", res.Warnings)
	}
}
