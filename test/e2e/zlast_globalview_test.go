package e2e

// This file's test stops a member. Its name sorts it after every other test
// file, zlast_disruptive_test.go included, so that the outage cannot make an
// unrelated test fail; it starts the member again and waits for it before it ends.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	searchv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/search/v1alpha1"
	"github.com/fleetplane/fleetplane/test/e2e/framework"
)

// memberTimeout is the proxy's per-cluster timeout (--member-request-timeout).
const memberTimeout = 10 * time.Second

// TestGlobalViewMemberDown stops member3: the global proxy and the search answer
// with member1's and member2's objects in bounded time, naming member3 in a
// Warning header, and take member3 back once it is up again.
func TestGlobalViewMemberDown(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	m1, m2, m3 := framework.Member1, framework.Member2, framework.Member3
	sb.WaitClusterReady(ctx, t, m3, metav1.ConditionTrue, 90*time.Second)

	f := newGlobalFixture(ctx, t, sb, "e2e-gvdown")
	for _, m := range framework.Members {
		f.configMap(ctx, t, m, "from-"+m, nil)
	}
	sb.CreateRegistry(ctx, t, newRegistry(framework.RandomName("e2e-gvdown"),
		searchv1alpha1.ResourceSelector{APIVersion: "v1", Kind: "ConfigMap", Namespace: f.ns}))
	admin := sb.RESTConfig(t, framework.ControlPlane)
	gp, search := framework.GlobalProxy(t, admin), framework.Search(t, admin)
	everyone := f.keys(m1, "from-member1", m1, "kube-root-ca.crt", m2, "from-member2", m2, "kube-root-ca.crt", m3, "from-member3", m3, "kube-root-ca.crt")
	survivors := everyone[:4]
	checkList(t, "global proxy before the outage", mustList(ctx, t, gp, f.path()), everyone)
	waitSearch(ctx, t, search, searchFreshness, "the search before the outage", f.path(), everyone)

	if out, err := sb.Script(ctx, "stop-member", m3); err != nil {
		t.Fatalf("stopping member3: %v\n%s", err, out)
	}
	stopped := time.Now()
	restarted := false
	t.Cleanup(func() {
		if !restarted {
			_, _ = sb.Script(context.Background(), "start-member", m3)
		}
	})

	// degraded checks one answer given while member3 is down.
	degraded := func(t *testing.T, what string, r *framework.Response, want []string) {
		t.Helper()
		if r.Duration > memberTimeout+5*time.Second {
			t.Errorf("%s: answered after %s, more than the per-cluster timeout %s and a margin", what, r.Duration, memberTimeout)
		}
		l, err := framework.DecodeList(r)
		if err != nil {
			t.Errorf("%s: %v", what, err)
			return
		}
		checkList(t, what, l, want)
		if !slices.ContainsFunc(r.Warnings(), func(w string) bool { return strings.Contains(w, "member3") }) {
			t.Errorf("%s: no Warning header names member3: %s", what, r)
		}
	}

	t.Run("global proxy while member3 is still Ready", func(t *testing.T) {
		r, err := gp.Get(ctx, f.path())
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s after the stop: %s", time.Since(stopped).Round(time.Millisecond), r)
		degraded(t, "list", r, survivors)
	})

	t.Run("search while member3 is still Ready", func(t *testing.T) {
		// The cache still holds member3's objects and the access decision of the
		// list above may be cached for a few seconds; past that the search must
		// leave member3 out with a warning.
		var stale time.Duration
		var last *framework.Response
		err := framework.Poll(ctx, 30*time.Second, func(ctx context.Context) (bool, string, error) {
			r, err := search.Get(ctx, f.path())
			if err != nil {
				return false, "", err
			}
			last = r
			if r.Duration > memberTimeout+5*time.Second {
				return false, "", fmt.Errorf("the search answered after %s", r.Duration)
			}
			warned := slices.ContainsFunc(r.Warnings(), func(w string) bool { return strings.Contains(w, "member3") })
			if !warned {
				stale = time.Since(stopped)
			}
			return warned, r.String(), nil
		})
		if err != nil {
			t.Fatalf("the search never named member3 in a warning: %v", err)
		}
		if stale > 0 {
			t.Logf("the search answered without a warning about member3 for %s after the stop", stale.Round(time.Millisecond))
		}
		degraded(t, "search list", last, survivors)
	})

	sb.WaitClusterReady(ctx, t, m3, metav1.ConditionFalse, 30*time.Second)

	t.Run("global proxy once member3 is not Ready", func(t *testing.T) {
		r, err := gp.Get(ctx, f.path())
		if err != nil {
			t.Fatal(err)
		}
		degraded(t, "list", r, survivors)
		_, items := walkPages(ctx, t, gp, f.path(), 3)
		checkList(t, "pages", &framework.List{Items: items}, survivors)
		r, err = gp.Get(ctx, f.path("from-member1"))
		if err != nil || r.Code != 200 {
			t.Errorf("get of member1's from-member1: %v, %v", r, err)
		}
	})

	t.Run("search once member3 is not Ready", func(t *testing.T) {
		r, err := search.Get(ctx, f.path())
		if err != nil {
			t.Fatal(err)
		}
		degraded(t, "search list", r, survivors)
		r, err = search.Get(ctx, f.path(), "name", "from-*")
		if err != nil {
			t.Fatal(err)
		}
		degraded(t, "search name=from-*", r, []string{everyone[0], everyone[2]})
	})

	if out, err := sb.Script(ctx, "start-member", m3); err != nil {
		t.Fatalf("starting member3: %v\n%s", err, out)
	}
	restarted = true
	sb.WaitClusterReady(ctx, t, m3, metav1.ConditionTrue, 90*time.Second)
	framework.WaitFor(ctx, t, 60*time.Second, "the global proxy to list member3 again", func(ctx context.Context) (bool, string, error) {
		r, err := gp.Get(ctx, f.path())
		if err != nil {
			return false, "", err
		}
		l, err := framework.DecodeList(r)
		if err != nil {
			return false, "", err
		}
		return slices.Equal(l.Keys(), everyone) && len(r.Warnings()) == 0, r.String(), nil
	})
	waitSearch(ctx, t, search, 60*time.Second, "the search to list member3 again", f.path(), everyone)
	// Leave the member as the next run expects it: running pods. Its nodes show
	// Ready at once, but the restarted kwok only takes their leases over once the
	// leases of the stopped one expire (200s), and until then no pod runs there.
	restart := time.Now()
	d := framework.Deployment(f.ns, "after-restart", 1)
	if _, err := f.members[m3].AppsV1().Deployments(f.ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	framework.WaitFor(ctx, t, 5*time.Minute, "a pod running on member3 again", func(ctx context.Context) (bool, string, error) {
		pods, err := f.members[m3].CoreV1().Pods(f.ns).List(ctx, metav1.ListOptions{LabelSelector: "app=after-restart"})
		if err != nil {
			return false, "", err
		}
		for _, p := range pods.Items {
			if p.Status.Phase == corev1.PodRunning {
				return true, "", nil
			}
		}
		return false, "pods: " + podPhases(pods.Items), nil
	})
	t.Logf("member3 ran pods again %s after it was Ready", time.Since(restart).Round(time.Second))
}
