package global

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetplane/fleetplane/internal/membertest"
)

const configMapsPath = "/api/v1/configmaps"

func newHandler(f *membertest.Fleet) *Handler {
	return &Handler{Clusters: f, Members: f, Concurrency: 4, ClusterTimeout: 10 * time.Second}
}

// fleetWithObjects starts member1 and member2 with ConfigMaps in two namespaces.
func fleetWithObjects(t *testing.T) *membertest.Fleet {
	t.Helper()
	f := membertest.NewFleet(t, "member1", "member2")
	m1, m2 := f.Member("member1"), f.Member("member2")
	m1.Add("ns-b", "web", map[string]string{"app": "web"})
	m1.Add("ns-a", "db", map[string]string{"app": "db"})
	m1.Add("ns-a", "web", map[string]string{"app": "web"})
	m2.Add("ns-a", "cache", map[string]string{"app": "cache"})
	m2.Add("ns-a", "web", map[string]string{"app": "web"})
	return f
}

func doList(t *testing.T, h *Handler, path, query string) (*membertest.Result, *membertest.List) {
	t.Helper()
	res := membertest.Do(t, h, membertest.Call{Path: path, Query: query})
	var l membertest.List
	if res.Code == http.StatusOK {
		res.Decode(t, &l)
	}
	return res, &l
}

// clusterWarnings returns the clusters the warnings name, sorted.
func clusterWarnings(t *testing.T, texts []string) []string {
	t.Helper()
	var out []string
	for _, w := range texts {
		rest, ok := strings.CutPrefix(w, "cluster ")
		name, _, ok2 := strings.Cut(rest, ": ")
		if !ok || !ok2 {
			t.Errorf("warning %q does not name a cluster", w)
			continue
		}
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

func parseVersion(t *testing.T, s string) Version {
	t.Helper()
	v, ok, err := ParseVersion(s)
	if err != nil || !ok {
		t.Fatalf("ParseVersion(%q) = %v, %v, %v", s, v, ok, err)
	}
	return v
}

func TestListMergesClustersSortedAndAnnotated(t *testing.T) {
	f := fleetWithObjects(t)
	h := newHandler(f)
	res, l := doList(t, h, configMapsPath, "")
	res.Want(t, http.StatusOK)
	want := []string{"member1/ns-a/db", "member1/ns-a/web", "member1/ns-b/web", "member2/ns-a/cache", "member2/ns-a/web"}
	if diff := cmp.Diff(want, l.Keys()); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	if l.Kind != "ConfigMapList" || l.APIVersion != "v1" {
		t.Errorf("list is %s %s, want v1 ConfigMapList", l.APIVersion, l.Kind)
	}
	for _, it := range l.Items {
		// The fake member writes its own name into the data: the annotation
		// must name the cluster the object came from.
		if it.Data["cluster"] != it.Cluster() {
			t.Errorf("%s is annotated with %q, but came from %q", it.Key(), it.Cluster(), it.Data["cluster"])
		}
	}
	v := parseVersion(t, l.Metadata.ResourceVersion)
	if diff := cmp.Diff(Version{"member1": f.Member("member1").RV(), "member2": f.Member("member2").RV()}, v); diff != "" {
		t.Errorf("list version (-want +got):\n%s", diff)
	}
	if len(res.Warnings) != 0 {
		t.Errorf("warnings %q, want none", res.Warnings)
	}
	for _, name := range []string{"member1", "member2"} {
		for _, r := range f.Member(name).Requests() {
			if r.Header.Get("Impersonate-User") != "alice" {
				t.Errorf("%s got %s %s not as the caller", name, r.Method, r.Path)
			}
		}
	}

	// A namespace and a label selector go to every member.
	_, l = doList(t, h, "/api/v1/namespaces/ns-a/configmaps", "labelSelector=app%3Dweb")
	if diff := cmp.Diff([]string{"member1/ns-a/web", "member2/ns-a/web"}, l.Keys()); diff != "" {
		t.Errorf("namespaced, selected items (-want +got):\n%s", diff)
	}
	_, l = doList(t, h, configMapsPath, "fieldSelector=metadata.name%3Dweb")
	if diff := cmp.Diff([]string{"member1/ns-a/web", "member1/ns-b/web", "member2/ns-a/web"}, l.Keys()); diff != "" {
		t.Errorf("every copy of a name (-want +got):\n%s", diff)
	}
}

func TestListClustersParam(t *testing.T) {
	f := fleetWithObjects(t)
	h := newHandler(f)
	_, l := doList(t, h, configMapsPath, "clusters=member2")
	if diff := cmp.Diff([]string{"member2/ns-a/cache", "member2/ns-a/web"}, l.Keys()); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	if n := len(f.Member("member1").Requests()); n != 0 {
		t.Errorf("member1 got %d requests, want none", n)
	}
	if v := parseVersion(t, l.Metadata.ResourceVersion); len(v) != 1 || v["member2"] == "" {
		t.Errorf("version %v, want member2's only", v)
	}

	res, _ := doList(t, h, configMapsPath, "clusters=member1,nope")
	res.Want(t, http.StatusNotFound)
	if !apierrors.IsNotFound(res.Err) || !strings.Contains(res.Err.Error(), `clusters.cluster.karmada.io "nope" not found`) {
		t.Errorf("error %v, want clusters.cluster.karmada.io \"nope\" not found", res.Err)
	}
}

func TestListLeavesOutNotReadyClusterWithWarning(t *testing.T) {
	f := fleetWithObjects(t)
	f.SetReady("member2", metav1.ConditionFalse, "kubelet stopped posting")
	h := newHandler(f)
	res, l := doList(t, h, configMapsPath, "")
	res.Want(t, http.StatusOK)
	if diff := cmp.Diff([]string{"member1/ns-a/db", "member1/ns-a/web", "member1/ns-b/web"}, l.Keys()); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"member2"}, clusterWarnings(t, res.Warnings)); diff != "" {
		t.Errorf("warned clusters (-want +got):\n%s", diff)
	}
	if !strings.Contains(strings.Join(res.Warnings, "\n"), "kubelet stopped posting") {
		t.Errorf("warnings %q do not give the reason", res.Warnings)
	}
	if n := len(f.Member("member2").Requests()); n != 0 {
		t.Errorf("the NotReady member got %d requests", n)
	}
}

func TestListForbiddenClusters(t *testing.T) {
	f := fleetWithObjects(t)
	h := newHandler(f)
	f.Member("member2").SetMode(membertest.Forbidden)
	res, l := doList(t, h, configMapsPath, "")
	res.Want(t, http.StatusOK)
	if diff := cmp.Diff([]string{"member1/ns-a/db", "member1/ns-a/web", "member1/ns-b/web"}, l.Keys()); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	if len(res.Warnings) != 0 {
		t.Errorf("a forbidden cluster gave warnings %q; it must be left out silently", res.Warnings)
	}

	f.Member("member1").SetMode(membertest.Forbidden)
	res, _ = doList(t, h, configMapsPath, "")
	res.Want(t, http.StatusForbidden)
	if len(res.Warnings) != 0 {
		t.Errorf("warnings %q, want none", res.Warnings)
	}
}

func TestListFailingClusters(t *testing.T) {
	f := fleetWithObjects(t)
	m3 := membertest.NewMember(t, "member3", 300)
	f.Add(membertest.Cluster("member3", nil, metav1.ConditionTrue, ""), m3)
	m3.Close() // unreachable
	f.Member("member2").SetMode(membertest.Broken)
	h := newHandler(f)
	res, l := doList(t, h, configMapsPath, "")
	res.Want(t, http.StatusOK)
	if diff := cmp.Diff([]string{"member1/ns-a/db", "member1/ns-a/web", "member1/ns-b/web"}, l.Keys()); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"member2", "member3"}, clusterWarnings(t, res.Warnings)); diff != "" {
		t.Errorf("warned clusters (-want +got):\n%s", diff)
	}
	if v := parseVersion(t, l.Metadata.ResourceVersion); len(v) != 1 || v["member1"] == "" {
		t.Errorf("version %v, want member1's only", v)
	}

	// Only when every cluster fails is the answer an error.
	res, _ = doList(t, h, configMapsPath, "clusters=member2,member3")
	if res.Code < 500 {
		t.Errorf("status %d when every cluster failed, want a 5xx error", res.Code)
	}
	if diff := cmp.Diff([]string{"member2", "member3"}, clusterWarnings(t, res.Warnings)); diff != "" {
		t.Errorf("warned clusters (-want +got):\n%s", diff)
	}
}

// paginatedFleet starts three members holding 3, 1 and 4 ConfigMaps.
func paginatedFleet(t *testing.T) (*membertest.Fleet, []string) {
	t.Helper()
	f := membertest.NewFleet(t, "member1", "member2", "member3")
	var all []string
	for i, n := range []int{3, 1, 4} {
		name := []string{"member1", "member2", "member3"}[i]
		for j := range n {
			ns := []string{"ns-a", "ns-b"}[j%2]
			cm := "cm-" + string(rune('a'+j))
			f.Member(name).Add(ns, cm, nil)
			all = append(all, name+"/"+ns+"/"+cm)
		}
	}
	slices.Sort(all)
	return f, all
}

func TestListPaginationAcrossClusters(t *testing.T) {
	for _, limit := range []string{"1", "2", "3", "4", "100"} {
		t.Run("limit="+limit, func(t *testing.T) {
			f, all := paginatedFleet(t)
			h := newHandler(f)
			start := Version{}
			for _, name := range []string{"member1", "member2", "member3"} {
				start[name] = f.Member(name).RV()
			}
			var got []string
			var version string
			cont := ""
			for page := 0; ; page++ {
				if page > 20 {
					t.Fatal("pagination does not end")
				}
				q := url.Values{"limit": {limit}}
				if cont != "" {
					q.Set("continue", cont)
				}
				res, l := doList(t, h, configMapsPath, q.Encode())
				res.Want(t, http.StatusOK)
				if n, _ := strconv.Atoi(limit); len(l.Items) > n {
					t.Errorf("page %d has %d items, limit %s", page, len(l.Items), limit)
				}
				got = append(got, l.Keys()...)
				if page == 0 {
					version = l.Metadata.ResourceVersion
					if diff := cmp.Diff(start, parseVersion(t, version)); diff != "" {
						t.Errorf("first page's version does not cover every cluster (-want +got):\n%s", diff)
					}
					// Objects created after the first page are not part of
					// this list: the pages are one consistent list.
					f.Member("member3").Add("ns-a", "cm-late", nil)
					f.Member("member2").Add("ns-0", "cm-late", nil)
				} else if l.Metadata.ResourceVersion != version {
					t.Errorf("page %d has version %q, the first had %q", page, l.Metadata.ResourceVersion, version)
				}
				if cont = l.Metadata.Continue; cont == "" {
					break
				}
			}
			if diff := cmp.Diff(all, got); diff != "" {
				t.Errorf("items over all pages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestListPaginationSkipsForbiddenAndFailingClusters(t *testing.T) {
	f, all := paginatedFleet(t)
	f.Member("member2").SetMode(membertest.Forbidden)
	h := newHandler(f)
	var got, warnings []string
	cont := ""
	for page := 0; page < 20; page++ {
		q := url.Values{"limit": {"2"}}
		if cont != "" {
			q.Set("continue", cont)
		}
		res, l := doList(t, h, configMapsPath, q.Encode())
		res.Want(t, http.StatusOK)
		warnings = append(warnings, res.Warnings...)
		got = append(got, l.Keys()...)
		if page == 0 {
			if v := parseVersion(t, l.Metadata.ResourceVersion); v["member2"] != "" {
				t.Errorf("version %v has the forbidden cluster", v)
			}
		}
		if cont = l.Metadata.Continue; cont == "" {
			break
		}
	}
	want := slices.DeleteFunc(slices.Clone(all), func(k string) bool { return strings.HasPrefix(k, "member2/") })
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings %q for a forbidden cluster", warnings)
	}
}

func TestListRejectsGarbledTokens(t *testing.T) {
	f, _ := paginatedFleet(t)
	h := newHandler(f)
	_, first := doList(t, h, configMapsPath, "limit=2")
	if first.Metadata.Continue == "" {
		t.Fatal("no continue token on the first page")
	}
	otherCluster := continueToken{Version: Version{"member2": "1"}, Cluster: "member2"}.encode()
	for name, q := range map[string]url.Values{
		"garbage continue":         {"continue": {"not-a-token"}},
		"forged continue":          {"continue": {continuePrefix + "eyJyditOiJ4In0"}},
		"continue of another list": {"continue": {otherCluster}, "clusters": {"member1"}},
		"member's own version":     {"resourceVersion": {"12345"}},
		"garbled version":          {"resourceVersion": {"mc1.@@@"}},
		"negative limit":           {"limit": {"-1"}},
		"version on a page":        {"limit": {"2"}, "resourceVersion": {"mc1.bad"}},
		"continue for fewer":       {"continue": {first.Metadata.Continue}, "clusters": {"member3"}},
	} {
		t.Run(name, func(t *testing.T) {
			res, _ := doList(t, h, configMapsPath, q.Encode())
			res.Want(t, http.StatusBadRequest)
		})
	}
	// A token from a page is good for the next page, with the same clusters.
	res, _ := doList(t, h, configMapsPath, url.Values{"continue": {first.Metadata.Continue}, "limit": {"2"}}.Encode())
	res.Want(t, http.StatusOK)
}

func TestListAtMultiClusterVersion(t *testing.T) {
	f := fleetWithObjects(t)
	h := newHandler(f)
	_, before := doList(t, h, configMapsPath, "")
	f.Member("member1").Add("ns-a", "later", nil)
	f.Member("member2").Delete("ns-a", "cache")
	q := url.Values{"resourceVersion": {before.Metadata.ResourceVersion}, "resourceVersionMatch": {"Exact"}}
	res, l := doList(t, h, configMapsPath, q.Encode())
	res.Want(t, http.StatusOK)
	if diff := cmp.Diff(before.Keys(), l.Keys()); diff != "" {
		t.Errorf("list at the earlier version (-want +got):\n%s", diff)
	}
	v := parseVersion(t, before.Metadata.ResourceVersion)
	for _, name := range []string{"member1", "member2"} {
		reqs := f.Member(name).Requests()
		last := reqs[len(reqs)-1]
		if got := last.Query.Get("resourceVersion"); got != v[name] {
			t.Errorf("%s was asked for resourceVersion %q, want its own %q", name, got, v[name])
		}
	}
}

// table is a decoded Table answer.
type table struct {
	Kind              string                         `json:"kind"`
	APIVersion        string                         `json:"apiVersion"`
	Metadata          metav1.ListMeta                `json:"metadata"`
	ColumnDefinitions []metav1.TableColumnDefinition `json:"columnDefinitions"`
	Rows              []struct {
		Cells  []any             `json:"cells"`
		Object membertest.Object `json:"object"`
	} `json:"rows"`
}

const tableAcceptHeader = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"

func TestListTable(t *testing.T) {
	f := fleetWithObjects(t)
	h := newHandler(f)
	res := membertest.Do(t, h, membertest.Call{Path: configMapsPath, Accept: tableAcceptHeader}).Want(t, http.StatusOK)
	var tbl table
	res.Decode(t, &tbl)
	if tbl.Kind != "Table" || tbl.APIVersion != "meta.k8s.io/v1" {
		t.Errorf("answer is %s %s, want meta.k8s.io/v1 Table", tbl.APIVersion, tbl.Kind)
	}
	var columns []string
	for _, c := range tbl.ColumnDefinitions {
		columns = append(columns, c.Name)
	}
	if diff := cmp.Diff([]string{"Cluster", "Name", "Data"}, columns); diff != "" {
		t.Errorf("columns (-want +got):\n%s", diff)
	}
	var rows []string
	for _, r := range tbl.Rows {
		if len(r.Cells) != 3 {
			t.Fatalf("row %v has %d cells, want 3", r.Cells, len(r.Cells))
		}
		if r.Object.Cluster() != r.Cells[0] {
			t.Errorf("row %v: object annotated with %q", r.Cells, r.Object.Cluster())
		}
		rows = append(rows, r.Cells[0].(string)+"/"+r.Object.Metadata.Namespace+"/"+r.Cells[1].(string))
	}
	want := []string{"member1/ns-a/db", "member1/ns-a/web", "member1/ns-b/web", "member2/ns-a/cache", "member2/ns-a/web"}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	parseVersion(t, tbl.Metadata.ResourceVersion)

	// A paginated Table too.
	res = membertest.Do(t, h, membertest.Call{Path: configMapsPath, Query: "limit=4", Accept: tableAcceptHeader}).Want(t, http.StatusOK)
	tbl = table{}
	res.Decode(t, &tbl)
	if tbl.Kind != "Table" || len(tbl.Rows) != 4 || tbl.Metadata.Continue == "" || tbl.ColumnDefinitions[0].Name != "Cluster" {
		t.Errorf("first page of a Table: %s with %d rows, continue %q", tbl.Kind, len(tbl.Rows), tbl.Metadata.Continue)
	}
}

func TestGet(t *testing.T) {
	f := fleetWithObjects(t)
	h := newHandler(f)

	res := membertest.Do(t, h, membertest.Call{Path: "/api/v1/namespaces/ns-a/configmaps/cache"}).Want(t, http.StatusOK)
	var obj membertest.Object
	res.Decode(t, &obj)
	if obj.Cluster() != "member2" || obj.Metadata.Name != "cache" || obj.Kind != "ConfigMap" {
		t.Errorf("got %s %s, want ConfigMap cache annotated with member2", obj.Kind, obj.Key())
	}

	res = membertest.Do(t, h, membertest.Call{Path: "/api/v1/namespaces/ns-a/configmaps/web"}).Want(t, http.StatusConflict)
	if msg := res.Err.Error(); !strings.Contains(msg, "member1") || !strings.Contains(msg, "member2") {
		t.Errorf("conflict %q does not name both clusters", msg)
	}
	res = membertest.Do(t, h, membertest.Call{Path: "/api/v1/namespaces/ns-a/configmaps/web", Query: "clusters=member2"}).Want(t, http.StatusOK)
	obj = membertest.Object{}
	res.Decode(t, &obj)
	if obj.Cluster() != "member2" {
		t.Errorf("narrowed get came from %q", obj.Cluster())
	}

	membertest.Do(t, h, membertest.Call{Path: "/api/v1/namespaces/ns-a/configmaps/nothing"}).Want(t, http.StatusNotFound)

	// A forbidden cluster is left out of a get too.
	f.Member("member1").SetMode(membertest.Forbidden)
	res = membertest.Do(t, h, membertest.Call{Path: "/api/v1/namespaces/ns-a/configmaps/web"}).Want(t, http.StatusOK)
	if len(res.Warnings) != 0 {
		t.Errorf("warnings %q", res.Warnings)
	}
	f.Member("member1").SetMode(membertest.Healthy)

	// A get as a Table has the Cluster column.
	res = membertest.Do(t, h, membertest.Call{Path: "/api/v1/namespaces/ns-a/configmaps/db", Accept: tableAcceptHeader}).Want(t, http.StatusOK)
	var tbl table
	res.Decode(t, &tbl)
	if tbl.Kind != "Table" || len(tbl.Rows) != 1 || tbl.ColumnDefinitions[0].Name != "Cluster" || tbl.Rows[0].Cells[0] != "member1" ||
		tbl.Rows[0].Object.Cluster() != "member1" {
		t.Errorf("Table get: %s", res.Body)
	}
}

func TestGetLeavesOutFailingClusterWithWarning(t *testing.T) {
	f := fleetWithObjects(t)
	f.Member("member1").SetMode(membertest.Broken)
	h := newHandler(f)
	res := membertest.Do(t, h, membertest.Call{Path: "/api/v1/namespaces/ns-a/configmaps/web"}).Want(t, http.StatusOK)
	if diff := cmp.Diff([]string{"member1"}, clusterWarnings(t, res.Warnings)); diff != "" {
		t.Errorf("warned clusters (-want +got):\n%s", diff)
	}
}

func TestRouteWrites(t *testing.T) {
	f := fleetWithObjects(t)
	h := newHandler(f)

	t.Run("patch goes to the owner", func(t *testing.T) {
		path := "/api/v1/namespaces/ns-a/configmaps/cache"
		res := membertest.Do(t, h, membertest.Call{Method: http.MethodPatch, Path: path, Body: `{"data":{"x":"y"}}`}).Want(t, http.StatusOK)
		if diff := cmp.Diff([]membertest.Connection{{Cluster: "member2", Path: path}}, f.Connections()); diff != "" {
			t.Errorf("connections (-want +got):\n%s", diff)
		}
		var patched int
		for _, r := range f.Member("member2").Requests() {
			if r.Method == http.MethodPatch && r.Path == path && r.Body == `{"data":{"x":"y"}}` && r.Header.Get("Impersonate-User") == "alice" {
				patched++
			}
		}
		for _, r := range f.Member("member1").Requests() {
			if r.Method != http.MethodGet {
				t.Errorf("member1 got %s %s", r.Method, r.Path)
			}
		}
		if patched != 1 {
			t.Errorf("member2 got %d patches, want 1", patched)
		}
		var obj membertest.Object
		res.Decode(t, &obj)
		if obj.Metadata.Name != "cache" {
			t.Errorf("answer %s", res.Body)
		}
	})

	t.Run("write of a name in two clusters", func(t *testing.T) {
		membertest.Do(t, h, membertest.Call{Method: http.MethodPatch, Path: "/api/v1/namespaces/ns-a/configmaps/web", Body: `{}`}).Want(t, http.StatusConflict)
		membertest.Do(t, h, membertest.Call{Method: http.MethodDelete, Path: "/api/v1/namespaces/ns-a/configmaps/nothing"}).Want(t, http.StatusNotFound)
	})

	t.Run("create needs exactly one cluster", func(t *testing.T) {
		body := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"new"}}`
		for _, q := range []string{"", "clusters=member1,member2"} {
			membertest.Do(t, h, membertest.Call{Method: http.MethodPost, Path: "/api/v1/namespaces/ns-a/configmaps", Query: q, Body: body}).
				Want(t, http.StatusBadRequest)
		}
		f.SetReady("member1", metav1.ConditionFalse, "down")
		membertest.Do(t, h, membertest.Call{Method: http.MethodPost, Path: "/api/v1/namespaces/ns-a/configmaps", Query: "clusters=member1", Body: body}).
			Want(t, http.StatusBadRequest)
		f.SetReady("member1", metav1.ConditionTrue, "")
		membertest.Do(t, h, membertest.Call{Method: http.MethodPost, Path: "/api/v1/namespaces/ns-a/configmaps", Query: "clusters=nope", Body: body}).
			Want(t, http.StatusNotFound)
		before := len(f.Connections())
		membertest.Do(t, h, membertest.Call{Method: http.MethodPost, Path: "/api/v1/namespaces/ns-a/configmaps", Query: "clusters=member1", Body: body}).
			Want(t, http.StatusCreated)
		if c := f.Connections()[before:]; len(c) != 1 || c[0].Cluster != "member1" {
			t.Errorf("create went to %v, want member1", c)
		}
		if strings.Contains(f.Connections()[before].Path, "clusters") {
			t.Errorf("the clusters parameter reached the member")
		}
		for _, r := range f.Member("member1").Requests() {
			if r.Method == http.MethodPost && r.Query.Has(ClustersParam) {
				t.Errorf("member1 got the clusters parameter: %v", r.Query)
			}
		}
	})

	t.Run("put translates a multi-cluster version", func(t *testing.T) {
		_, l := doList(t, h, "/api/v1/namespaces/ns-a/configmaps", "fieldSelector=metadata.name%3Ddb")
		if len(l.Items) != 1 {
			t.Fatalf("items %v", l.Keys())
		}
		own := l.Items[0].Metadata.ResourceVersion
		// What an informer fed by the merged watch holds: the version of every cluster.
		multi := Version{"member1": own, "member2": "1"}.Encode()
		body := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"db","namespace":"ns-a","resourceVersion":"` + multi + `"},"data":{"k":"v"}}`
		res := membertest.Do(t, h, membertest.Call{Method: http.MethodPut, Path: "/api/v1/namespaces/ns-a/configmaps/db", Body: body})
		res.Want(t, http.StatusOK)
		var put *membertest.Request
		for _, r := range f.Member("member1").Requests() {
			if r.Method == http.MethodPut {
				put = &r
			}
		}
		if put == nil {
			t.Fatal("member1 got no PUT")
		}
		var got membertest.Object
		if err := json.Unmarshal([]byte(put.Body), &got); err != nil {
			t.Fatal(err)
		}
		if got.Metadata.ResourceVersion != own || got.Data["k"] != "v" {
			t.Errorf("member1 got resourceVersion %q and data %v, want %q and the caller's data", got.Metadata.ResourceVersion, got.Data, own)
		}

		// A version without the owner's part is the caller's error.
		bad := Version{"member2": "1"}.Encode()
		body = `{"metadata":{"name":"db","namespace":"ns-a","resourceVersion":"` + bad + `"}}`
		membertest.Do(t, h, membertest.Call{Method: http.MethodPut, Path: "/api/v1/namespaces/ns-a/configmaps/db", Body: body}).Want(t, http.StatusBadRequest)

		// A member's own version passes through untouched.
		_, l = doList(t, h, "/api/v1/namespaces/ns-a/configmaps", "fieldSelector=metadata.name%3Ddb")
		own = l.Items[0].Metadata.ResourceVersion
		body = `{"metadata":{"name":"db","namespace":"ns-a","resourceVersion":"` + own + `"}}`
		membertest.Do(t, h, membertest.Call{Method: http.MethodPut, Path: "/api/v1/namespaces/ns-a/configmaps/db", Body: body}).Want(t, http.StatusOK)
	})
}

func TestDiscoveryMerge(t *testing.T) {
	f := membertest.NewFleet(t, "member1", "member2")
	gv := func(g, v string) metav1.GroupVersionForDiscovery {
		return metav1.GroupVersionForDiscovery{GroupVersion: g + "/" + v, Version: v}
	}
	res := func(names ...string) []metav1.APIResource {
		var out []metav1.APIResource
		for _, n := range names {
			out = append(out, metav1.APIResource{Name: n, Namespaced: true, Kind: strings.ToUpper(n[:1]) + n[1:], Verbs: metav1.Verbs{"get", "list"}})
		}
		return out
	}
	f.Member("member1").SetDiscovery([]metav1.APIGroup{
		{Name: "apps", Versions: []metav1.GroupVersionForDiscovery{gv("apps", "v1")}, PreferredVersion: gv("apps", "v1")},
		{Name: "one.example.com", Versions: []metav1.GroupVersionForDiscovery{gv("one.example.com", "v1")}},
	}, map[string][]metav1.APIResource{"v1": res("configmaps", "pods"), "apps/v1": res("deployments")})
	f.Member("member2").SetDiscovery([]metav1.APIGroup{
		{Name: "apps", Versions: []metav1.GroupVersionForDiscovery{gv("apps", "v1"), gv("apps", "v2")}, PreferredVersion: gv("apps", "v1")},
		{Name: "two.example.com", Versions: []metav1.GroupVersionForDiscovery{gv("two.example.com", "v1")}},
	}, map[string][]metav1.APIResource{"v1": res("configmaps", "secrets"), "apps/v1": res("deployments", "statefulsets")})
	h := newHandler(f)

	var groups metav1.APIGroupList
	membertest.Do(t, h, membertest.Call{Path: "/apis"}).Want(t, http.StatusOK).Decode(t, &groups)
	got := map[string][]string{}
	for _, g := range groups.Groups {
		for _, v := range g.Versions {
			got[g.Name] = append(got[g.Name], v.Version)
		}
	}
	if diff := cmp.Diff(map[string][]string{"apps": {"v1", "v2"}, "one.example.com": {"v1"}, "two.example.com": {"v1"}}, got); diff != "" {
		t.Errorf("/apis (-want +got):\n%s", diff)
	}
	if groups.Kind != "APIGroupList" {
		t.Errorf("/apis kind %q", groups.Kind)
	}

	names := func(path string, query ...string) []string {
		var l metav1.APIResourceList
		membertest.Do(t, h, membertest.Call{Path: path, Query: strings.Join(query, "&")}).Want(t, http.StatusOK).Decode(t, &l)
		var out []string
		for _, r := range l.APIResources {
			out = append(out, r.Name)
		}
		slices.Sort(out)
		return out
	}
	if diff := cmp.Diff([]string{"configmaps", "pods", "secrets"}, names("/api/v1")); diff != "" {
		t.Errorf("/api/v1 (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"deployments", "statefulsets"}, names("/apis/apps/v1")); diff != "" {
		t.Errorf("/apis/apps/v1 (-want +got):\n%s", diff)
	}
	var apps metav1.APIGroup
	membertest.Do(t, h, membertest.Call{Path: "/apis/apps"}).Want(t, http.StatusOK).Decode(t, &apps)
	if len(apps.Versions) != 2 {
		t.Errorf("/apis/apps versions %v, want v1 and v2", apps.Versions)
	}
	if diff := cmp.Diff([]string{"configmaps", "pods"}, names("/api/v1", "clusters=member1")); diff != "" {
		t.Errorf("/api/v1 of member1 (-want +got):\n%s", diff)
	}

	// What is not discovery goes to the first cluster.
	before := len(f.Connections())
	membertest.Do(t, h, membertest.Call{Path: "/version"})
	if c := f.Connections()[before:]; len(c) != 1 || c[0].Cluster != "member1" || c[0].Path != "/version" {
		t.Errorf("/version went to %v, want member1", c)
	}
	membertest.Do(t, h, membertest.Call{Method: http.MethodPost, Path: "/apis"}).Want(t, http.StatusMethodNotAllowed)

	// A cluster that fails is left out of discovery with a warning.
	f.Member("member2").SetMode(membertest.Broken)
	r := membertest.Do(t, h, membertest.Call{Path: "/api/v1"}).Want(t, http.StatusOK)
	if diff := cmp.Diff([]string{"member2"}, clusterWarnings(t, r.Warnings)); diff != "" {
		t.Errorf("warned clusters (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"configmaps", "pods"}, names("/api/v1")); diff != "" {
		t.Errorf("/api/v1 without member2 (-want +got):\n%s", diff)
	}
}

func TestUnknownClusterOnEveryVerb(t *testing.T) {
	f := fleetWithObjects(t)
	h := newHandler(f)
	for _, c := range []membertest.Call{
		{Path: configMapsPath, Query: "clusters=ghost"},
		{Path: configMapsPath, Query: "clusters=ghost&watch=1"},
		{Path: "/api/v1/namespaces/ns-a/configmaps/web", Query: "clusters=ghost"},
		{Method: http.MethodDelete, Path: "/api/v1/namespaces/ns-a/configmaps/web", Query: "clusters=ghost"},
		{Path: "/api/v1", Query: "clusters=ghost"},
	} {
		res := membertest.Do(t, h, c).Want(t, http.StatusNotFound)
		if !strings.Contains(res.Err.Error(), `"ghost"`) || !apierrors.IsNotFound(res.Err) {
			t.Errorf("%s %s?%s: %v", c.Method, c.Path, c.Query, res.Err)
		}
	}
}

func TestListPaginationWhenEveryClusterFails(t *testing.T) {
	f, _ := paginatedFleet(t)
	h := newHandler(f)
	for _, name := range []string{"member1", "member2", "member3"} {
		f.Member(name).SetMode(membertest.Forbidden)
	}
	res, _ := doList(t, h, configMapsPath, "limit=2")
	res.Want(t, http.StatusForbidden)

	for _, name := range []string{"member1", "member2", "member3"} {
		f.Member(name).SetMode(membertest.Broken)
	}
	res, _ = doList(t, h, configMapsPath, "limit=2")
	if res.Code < 500 {
		t.Errorf("status %d when every cluster failed, want a 5xx error", res.Code)
	}
	if diff := cmp.Diff([]string{"member1", "member2", "member3"}, clusterWarnings(t, res.Warnings)); diff != "" {
		t.Errorf("warned clusters (-want +got):\n%s", diff)
	}
}

func TestRouteSubresourceAndDelete(t *testing.T) {
	f := fleetWithObjects(t)
	h := newHandler(f)
	// A subresource goes to the one cluster holding the object (the fake
	// member has no status subresource: its 404 comes back as it is).
	membertest.Do(t, h, membertest.Call{Path: "/api/v1/namespaces/ns-a/configmaps/db/status"})
	if diff := cmp.Diff([]membertest.Connection{{Cluster: "member1", Path: "/api/v1/namespaces/ns-a/configmaps/db/status"}}, f.Connections()); diff != "" {
		t.Errorf("connections (-want +got):\n%s", diff)
	}
	membertest.Do(t, h, membertest.Call{Path: "/api/v1/namespaces/ns-a/configmaps/web/status"}).Want(t, http.StatusConflict)

	membertest.Do(t, h, membertest.Call{Method: http.MethodDelete, Path: "/api/v1/namespaces/ns-a/configmaps/cache"}).Want(t, http.StatusOK)
	_, l := doList(t, h, configMapsPath, "")
	if slices.Contains(l.Keys(), "member2/ns-a/cache") {
		t.Error("the delete did not reach member2")
	}
	// A delete of a collection names its one cluster.
	membertest.Do(t, h, membertest.Call{Method: http.MethodDelete, Path: "/api/v1/namespaces/ns-a/configmaps"}).Want(t, http.StatusBadRequest)
}

func TestTargets(t *testing.T) {
	f := fleetWithObjects(t)
	f.Add(membertest.Cluster("member0", nil, "", ""), nil) // no Ready condition yet: not left out
	f.Add(membertest.Cluster("member9", nil, metav1.ConditionUnknown, "no heartbeat"), nil)
	h := newHandler(f)
	ctx, warnings := membertest.Context(t.Context(), membertest.Alice)
	got, err := h.Targets(ctx, nil)
	if err != nil || !slices.Equal(got, []string{"member0", "member1", "member2"}) {
		t.Errorf("Targets(all) = %v, %v", got, err)
	}
	if diff := cmp.Diff([]string{"member9"}, clusterWarnings(t, warnings.Texts())); diff != "" {
		t.Errorf("warned clusters (-want +got):\n%s", diff)
	}
	got, err = h.Targets(ctx, []string{"member2", "member1", "member2"})
	if err != nil || !slices.Equal(got, []string{"member1", "member2"}) {
		t.Errorf("Targets(member2, member1, member2) = %v, %v; want each once, sorted", got, err)
	}
	if _, err := h.Targets(ctx, []string{"member1", "ghost"}); !apierrors.IsNotFound(err) {
		t.Errorf("Targets(ghost) error %v, want 404", err)
	}
}
