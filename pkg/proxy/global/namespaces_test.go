package global

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apiserver/pkg/endpoints/request"

	"github.com/fleetplane/fleetplane/internal/membertest"
)

// namespaceAccess is a fake NamespaceAccess: the namespaces it allows per cluster.
type namespaceAccess struct {
	mu      sync.Mutex
	allowed map[string][]string
	asked   []string
}

func (a *namespaceAccess) AllowedNamespaces(ctx context.Context, cluster, verb, group, version, resource string) ([]string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	u, _ := request.UserFrom(ctx)
	a.asked = append(a.asked, cluster+" "+u.GetName()+" "+verb+" "+group+"/"+version+"/"+resource)
	return a.allowed[cluster], nil
}

// teamFleet is fleetWithObjects where member2 lets the caller read ns-a only.
func teamFleet(t *testing.T) (*membertest.Fleet, *Handler, *namespaceAccess) {
	t.Helper()
	f := fleetWithObjects(t)
	m2 := f.Member("member2")
	m2.Add("ns-b", "secret-plans", nil)
	m2.AllowNamespaces("ns-a")
	access := &namespaceAccess{allowed: map[string][]string{"member2": {"ns-a"}}}
	h := newHandler(f)
	h.Namespaces = access
	return f, h, access
}

func TestListAllNamespacesShowsAllowedNamespaces(t *testing.T) {
	f, h, access := teamFleet(t)
	res, l := doList(t, h, configMapsPath, "")
	res.Want(t, http.StatusOK)
	want := []string{"member1/ns-a/db", "member1/ns-a/web", "member1/ns-b/web", "member2/ns-a/cache", "member2/ns-a/web"}
	if diff := cmp.Diff(want, l.Keys()); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	if len(res.Warnings) != 0 {
		t.Errorf("warnings %q", res.Warnings)
	}
	if diff := cmp.Diff([]string{"member2 alice list /v1/configmaps"}, access.asked); diff != "" {
		t.Errorf("namespace questions (-want +got):\n%s", diff)
	}
	if v := parseVersion(t, l.Metadata.ResourceVersion); v["member2"] == "" {
		t.Errorf("version %v lacks member2", v)
	}

	// A namespaced list the member forbids is not widened.
	res, l = doList(t, h, "/api/v1/namespaces/ns-b/configmaps", "")
	res.Want(t, http.StatusOK)
	if diff := cmp.Diff([]string{"member1/ns-b/web"}, l.Keys()); diff != "" {
		t.Errorf("ns-b (-want +got):\n%s", diff)
	}

	// No namespace allowed anywhere: 403 as before.
	f.Member("member1").AllowNamespaces()
	access.allowed = map[string][]string{}
	f.Member("member2").AllowNamespaces()
	res, _ = doList(t, h, configMapsPath, "")
	res.Want(t, http.StatusForbidden)
}

// The pages of a list over all namespaces hold the same objects as the list
// in one piece, wherever the page boundaries fall.
func TestListAllNamespacesPaginated(t *testing.T) {
	for _, limit := range []string{"1", "2", "3", "100"} {
		t.Run("limit="+limit, func(t *testing.T) {
			_, h, _ := teamFleet(t)
			_, whole := doList(t, h, configMapsPath, "")
			var got []string
			cont := ""
			for page := 0; page < 20; page++ {
				q := url.Values{"limit": {limit}}
				if cont != "" {
					q.Set("continue", cont)
				}
				res, l := doList(t, h, configMapsPath, q.Encode())
				res.Want(t, http.StatusOK)
				got = append(got, l.Keys()...)
				if cont = l.Metadata.Continue; cont == "" {
					break
				}
			}
			if diff := cmp.Diff(whole.Keys(), got); diff != "" {
				t.Errorf("items over all pages (-want +got):\n%s", diff)
			}
		})
	}
}

// A watch over all namespaces watches, on a member that forbids it, each
// namespace the member lets the caller watch. The version each event carries
// holds such a member at the oldest version its namespaces' streams reached, so
// that a watch resumed from it misses nothing.
func TestWatchAllNamespacesWatchesAllowedNamespaces(t *testing.T) {
	f, h, access := teamFleet(t)
	m1, m2 := f.Member("member1"), f.Member("member2")
	m2.AllowNamespaces("ns-a", "ns-c")
	access.allowed["member2"] = []string{"ns-a", "ns-c"}
	res, l := doList(t, h, configMapsPath, "")
	res.Want(t, http.StatusOK)
	start := parseVersion(t, l.Metadata.ResourceVersion)

	w := startWatch(t, h, url.Values{"resourceVersion": {l.Metadata.ResourceVersion}})
	waitFor(t, func() bool { return m1.Watchers() == 1 && m2.Watchers() == 2 })
	var watched []string
	for _, r := range m2.Requests() {
		if r.Query.Get("watch") != "" {
			watched = append(watched, r.Path+"?resourceVersion="+r.Query.Get("resourceVersion"))
		}
	}
	from := "?resourceVersion=" + start["member2"]
	if diff := cmp.Diff([]string{"/api/v1/configmaps" + from, "/api/v1/namespaces/ns-a/configmaps" + from,
		"/api/v1/namespaces/ns-c/configmaps" + from}, watched); diff != "" {
		t.Errorf("member2's watches (-want +got):\n%s", diff)
	}
	if got := access.asked[len(access.asked)-1]; got != "member2 alice watch /v1/configmaps" {
		t.Errorf("last namespace question %q", got)
	}

	// ns-b is not alice's: its objects never reach her.
	m2.Add("ns-b", "hidden", nil)
	rvC := m2.Add("ns-c", "one", nil)
	ev := w.next()
	if ev.Type != "ADDED" || ev.Object.Key() != "member2/ns-c/one" {
		t.Fatalf("got %s %s, want ADDED member2/ns-c/one", ev.Type, ev.Object.Key())
	}
	// ns-a's stream is still at the start.
	if got := parseVersion(t, ev.Object.Metadata.ResourceVersion)["member2"]; got != start["member2"] {
		t.Errorf("member2's version %q after an event of ns-c only, want the start %q", got, start["member2"])
	}
	m2.Add("ns-a", "two", nil)
	ev = w.next()
	if ev.Object.Key() != "member2/ns-a/two" {
		t.Fatalf("got %s %s, want member2/ns-a/two", ev.Type, ev.Object.Key())
	}
	if got := parseVersion(t, ev.Object.Metadata.ResourceVersion)["member2"]; got != rvC {
		t.Errorf("member2's version %q, want %q, the older of its streams", got, rvC)
	}
	rv1 := m1.Add("ns-b", "three", nil)
	ev = w.next()
	if v := parseVersion(t, ev.Object.Metadata.ResourceVersion); ev.Object.Key() != "member1/ns-b/three" || v["member1"] != rv1 {
		t.Errorf("got %s at %v, want member1/ns-b/three at member1 %s", ev.Object.Key(), v, rv1)
	}

	// Too many namespaces to watch one by one: 403 that says so.
	many := make([]string, maxNamespaceWatches+1)
	for i := range many {
		many[i] = fmt.Sprintf("ns-%d", i)
	}
	access.allowed["member2"] = many
	res = membertest.Do(t, h, membertest.Call{Path: configMapsPath, Query: "watch=1&clusters=member2"})
	res.Want(t, http.StatusForbidden)
	if !strings.Contains(res.Err.Error(), "watch one namespace") {
		t.Errorf("error %v does not say what to do", res.Err)
	}

	// No namespace to watch: 403 as before.
	m1.AllowNamespaces()
	m2.AllowNamespaces()
	access.allowed = map[string][]string{}
	membertest.Do(t, h, membertest.Call{Path: configMapsPath, Query: "watch=1"}).Want(t, http.StatusForbidden)
}

// A list over all namespaces assembled from several namespaces' lists is as
// old as the oldest of them.
func TestListAllNamespacesVersionIsTheOldest(t *testing.T) {
	f, h, access := teamFleet(t)
	m2 := f.Member("member2")
	m2.AllowNamespaces("ns-a", "ns-c")
	access.allowed["member2"] = []string{"ns-a", "ns-c"}
	m2.Add("ns-c", "one", nil)
	res, l := doList(t, h, configMapsPath, "")
	res.Want(t, http.StatusOK)
	var lists []string
	for _, r := range m2.Requests() {
		lists = append(lists, r.Path)
	}
	slices.Sort(lists)
	if diff := cmp.Diff([]string{"/api/v1/configmaps", "/api/v1/namespaces/ns-a/configmaps", "/api/v1/namespaces/ns-c/configmaps"}, lists); diff != "" {
		t.Errorf("member2's lists (-want +got):\n%s", diff)
	}
	if got := parseVersion(t, l.Metadata.ResourceVersion)["member2"]; got != m2.RV() {
		t.Errorf("member2's version %q, want %q", got, m2.RV())
	}

	// member2 changes between the lists of ns-a and ns-c (one at a time, in
	// order): the list is at ns-a's version, from which a watch sees the change.
	h.Concurrency = 1
	atA := m2.RV()
	m2.BeforeServe = func(r membertest.Request) {
		if r.Path == "/api/v1/namespaces/ns-c/configmaps" {
			m2.Add("ns-c", "two", nil)
		}
	}
	res, l = doList(t, h, configMapsPath, "")
	res.Want(t, http.StatusOK)
	if got := parseVersion(t, l.Metadata.ResourceVersion)["member2"]; got != atA || got == m2.RV() {
		t.Errorf("member2's version %q, want ns-a's %q, older than ns-c's %q", got, atA, m2.RV())
	}
	if !slices.Contains(l.Keys(), "member2/ns-c/two") {
		t.Errorf("items %v lack the object ns-c's list had", l.Keys())
	}
}
