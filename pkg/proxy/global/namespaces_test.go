package global

import (
	"context"
	"net/http"
	"net/url"
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
