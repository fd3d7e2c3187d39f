package memberaccess

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	authorizationv1 "k8s.io/api/authorization/v1"
	"k8s.io/apiserver/pkg/authentication/user"
)

// reviewer is a fake Reviewer: decide answers each review, and every review
// is recorded.
type reviewer struct {
	mu      sync.Mutex
	decide  func(cluster string, spec authorizationv1.SubjectAccessReviewSpec) (allowed, denied bool, err error)
	reviews []review
}

type review struct {
	cluster string
	spec    authorizationv1.SubjectAccessReviewSpec
}

func (r *reviewer) Review(_ context.Context, cluster string, sar *authorizationv1.SubjectAccessReview) (*authorizationv1.SubjectAccessReview, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reviews = append(r.reviews, review{cluster: cluster, spec: *sar.Spec.DeepCopy()})
	allowed, denied, err := r.decide(cluster, sar.Spec)
	if err != nil {
		return nil, err
	}
	out := sar.DeepCopy()
	out.Status.Allowed, out.Status.Denied = allowed, denied
	return out, nil
}

func (r *reviewer) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.reviews)
}

func (r *reviewer) last() review {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reviews[len(r.reviews)-1]
}

// teamA allows anything in namespace team-a to members of group team-a.
func teamA(_ string, spec authorizationv1.SubjectAccessReviewSpec) (bool, bool, error) {
	return slices.Contains(spec.Groups, "team-a") && spec.ResourceAttributes.Namespace == "team-a", false, nil
}

func identity(_ string, u user.Info) user.Info { return u }

var (
	alice = &user.DefaultInfo{Name: "alice", UID: "a-1", Groups: []string{"team-a"}, Extra: map[string][]string{"scopes": {"read"}}}
	bob   = &user.DefaultInfo{Name: "bob", UID: "b-1", Groups: []string{"team-b"}}
	list  = Attributes{Verb: "list", Version: "v1", Resource: "configmaps", Namespace: "team-a"}
)

func mustAllowed(t *testing.T, c *Checker, cluster string, who user.Info, a Attributes) bool {
	t.Helper()
	ok, err := c.Allowed(t.Context(), cluster, who, a)
	if err != nil {
		t.Fatalf("Allowed(%s, %s, %+v): %v", cluster, who.GetName(), a, err)
	}
	return ok
}

func TestAllowedAndDenied(t *testing.T) {
	r := &reviewer{decide: teamA}
	c := NewChecker(r, identity, 100, time.Minute)
	if !mustAllowed(t, c, "member1", alice, list) {
		t.Error("alice may not list team-a")
	}
	if mustAllowed(t, c, "member1", bob, list) {
		t.Error("bob may list team-a")
	}
	other := list
	other.Namespace = "team-b"
	if mustAllowed(t, c, "member1", alice, other) {
		t.Error("alice may list team-b")
	}
	// An explicit deny wins over an allow.
	r2 := &reviewer{decide: func(string, authorizationv1.SubjectAccessReviewSpec) (bool, bool, error) { return true, true, nil }}
	if mustAllowed(t, NewChecker(r2, identity, 100, time.Minute), "member1", alice, list) {
		t.Error("a review both allowed and denied allows")
	}
}

func TestReviewCarriesIdentityAndAttributes(t *testing.T) {
	r := &reviewer{decide: teamA}
	c := NewChecker(r, identity, 100, time.Minute)
	a := Attributes{Verb: "get", Group: "apps", Version: "v1", Resource: "deployments", Subresource: "scale", Namespace: "team-a", Name: "web"}
	mustAllowed(t, c, "member2", alice, a)
	got := r.last()
	if got.cluster != "member2" {
		t.Errorf("reviewed on %q", got.cluster)
	}
	want := authorizationv1.SubjectAccessReviewSpec{
		User: "alice", UID: "a-1", Groups: []string{"team-a"},
		Extra: map[string]authorizationv1.ExtraValue{"scopes": {"read"}},
		ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: "get", Group: "apps", Version: "v1", Resource: "deployments",
			Subresource: "scale", Namespace: "team-a", Name: "web"},
	}
	if diff := cmp.Diff(want, got.spec); diff != "" {
		t.Errorf("review (-want +got):\n%s", diff)
	}
}

func TestDecisionsAreCached(t *testing.T) {
	r := &reviewer{decide: teamA}
	c := NewChecker(r, identity, 100, time.Minute)
	for range 3 {
		mustAllowed(t, c, "member1", alice, list)
		mustAllowed(t, c, "member1", bob, list)
	}
	if n := r.count(); n != 2 {
		t.Errorf("%d reviews for two callers asking three times, want 2", n)
	}
	// Every part of the key is a separate decision: the cluster, each
	// attribute and each part of the identity.
	variants := []struct {
		cluster string
		who     user.Info
		a       Attributes
	}{
		{"member2", alice, list},
		{"member1", alice, Attributes{Verb: "watch", Version: "v1", Resource: "configmaps", Namespace: "team-a"}},
		{"member1", alice, Attributes{Verb: "list", Version: "v1", Resource: "secrets", Namespace: "team-a"}},
		{"member1", alice, Attributes{Verb: "list", Group: "x", Version: "v1", Resource: "configmaps", Namespace: "team-a"}},
		{"member1", alice, Attributes{Verb: "list", Version: "v2", Resource: "configmaps", Namespace: "team-a"}},
		{"member1", alice, Attributes{Verb: "list", Version: "v1", Resource: "configmaps", Namespace: "team-a", Name: "x"}},
		{"member1", alice, Attributes{Verb: "list", Version: "v1", Resource: "configmaps", Subresource: "s", Namespace: "team-a"}},
		{"member1", alice, Attributes{Verb: "list", Version: "v1", Resource: "configmaps"}},
		{"member1", &user.DefaultInfo{Name: "alice", UID: "a-2", Groups: []string{"team-a"}, Extra: alice.Extra}, list},
		{"member1", &user.DefaultInfo{Name: "alice", UID: "a-1", Groups: []string{"team-a", "admins"}, Extra: alice.Extra}, list},
		{"member1", &user.DefaultInfo{Name: "alice", UID: "a-1", Groups: []string{"team-a"}}, list},
		{"member1", &user.DefaultInfo{Name: "alice", UID: "a-1", Groups: []string{"team-a"}, Extra: map[string][]string{"scopes": {"write"}}}, list},
	}
	for i, v := range variants {
		before := r.count()
		mustAllowed(t, c, v.cluster, v.who, v.a)
		if r.count() != before+1 {
			t.Errorf("variant %d reused another decision", i)
		}
	}
	// The order of groups does not matter.
	before := r.count()
	mustAllowed(t, c, "member1", &user.DefaultInfo{Name: "alice", UID: "a-1", Groups: []string{"admins", "team-a"}, Extra: alice.Extra}, list)
	if r.count() != before {
		t.Error("the same groups in another order were reviewed again")
	}
	// Field values that would join into the same string are kept apart.
	x := &user.DefaultInfo{Name: "a", Groups: []string{"b\x00c"}}
	y := &user.DefaultInfo{Name: "a", Groups: []string{"b", "c"}}
	before = r.count()
	mustAllowed(t, c, "member1", x, list)
	mustAllowed(t, c, "member1", y, list)
	if r.count() != before+2 {
		t.Error("groups [b\\x00c] and [b c] share a decision")
	}
}

func TestDecisionsExpire(t *testing.T) {
	allowed := true
	var mu sync.Mutex
	r := &reviewer{decide: func(string, authorizationv1.SubjectAccessReviewSpec) (bool, bool, error) {
		mu.Lock()
		defer mu.Unlock()
		return allowed, false, nil
	}}
	ttl := 50 * time.Millisecond
	c := NewChecker(r, identity, 100, ttl)
	if !mustAllowed(t, c, "member1", alice, list) {
		t.Fatal("not allowed")
	}
	mu.Lock()
	allowed = false // the member's RBAC changes
	mu.Unlock()
	if !mustAllowed(t, c, "member1", alice, list) {
		t.Error("the cached decision was not used within its TTL")
	}
	time.Sleep(3 * ttl)
	if mustAllowed(t, c, "member1", alice, list) {
		t.Error("an expired decision was used")
	}
	if n := r.count(); n != 2 {
		t.Errorf("%d reviews, want 2", n)
	}
}

func TestSizeBoundsDecisions(t *testing.T) {
	r := &reviewer{decide: teamA}
	c := NewChecker(r, identity, 2, time.Minute)
	for _, ns := range []string{"a", "b", "c"} {
		a := list
		a.Namespace = ns
		mustAllowed(t, c, "member1", alice, a)
	}
	a := list
	a.Namespace = "a" // the least recently used: evicted
	mustAllowed(t, c, "member1", alice, a)
	if n := r.count(); n != 4 {
		t.Errorf("%d reviews, want 4", n)
	}
}

func TestReviewErrorsAreReturnedNotCached(t *testing.T) {
	failing := true
	var mu sync.Mutex
	boom := errors.New("connection refused")
	r := &reviewer{decide: func(string, authorizationv1.SubjectAccessReviewSpec) (bool, bool, error) {
		mu.Lock()
		defer mu.Unlock()
		if failing {
			return false, false, boom
		}
		return true, false, nil
	}}
	c := NewChecker(r, identity, 100, time.Minute)
	ok, err := c.Allowed(t.Context(), "member1", alice, list)
	if ok || !errors.Is(err, boom) {
		t.Fatalf("Allowed = %v, %v; want false and the reviewer's error", ok, err)
	}
	for _, want := range []string{"member1", "alice", "list", "configmaps"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	mu.Lock()
	failing = false
	mu.Unlock()
	if !mustAllowed(t, c, "member1", alice, list) {
		t.Error("the failure was cached as a denial")
	}
	if n := r.count(); n != 2 {
		t.Errorf("%d reviews, want 2", n)
	}
}

func TestIdentityMapping(t *testing.T) {
	r := &reviewer{decide: teamA}
	// The member sees the caller without system:authenticated and, on
	// member2, without group team-a (its impersonator may not impersonate it).
	mapped := func(cluster string, u user.Info) user.Info {
		var groups []string
		for _, g := range u.GetGroups() {
			if g == user.AllAuthenticated || (cluster == "member2" && g == "team-a") {
				continue
			}
			groups = append(groups, g)
		}
		return &user.DefaultInfo{Name: u.GetName(), UID: u.GetUID(), Groups: groups}
	}
	c := NewChecker(r, mapped, 100, time.Minute)
	caller := &user.DefaultInfo{Name: "alice", UID: "a-1", Groups: []string{"team-a", user.AllAuthenticated}, Extra: map[string][]string{"x": {"y"}}}
	if !mustAllowed(t, c, "member1", caller, list) {
		t.Error("denied on member1")
	}
	if got := r.last().spec; !slices.Equal(got.Groups, []string{"team-a"}) || len(got.Extra) != 0 {
		t.Errorf("member1 reviewed groups %q, extra %v; want the mapped identity", got.Groups, got.Extra)
	}
	if mustAllowed(t, c, "member2", caller, list) {
		t.Error("allowed on member2 with a group the member never sees")
	}
	if got := r.last().spec; len(got.Groups) != 0 {
		t.Errorf("member2 reviewed groups %q", got.Groups)
	}
	// Callers the member cannot tell apart share the decision.
	before := r.count()
	mustAllowed(t, c, "member1", &user.DefaultInfo{Name: "alice", UID: "a-1", Groups: []string{"team-a"}}, list)
	if r.count() != before {
		t.Error("an identity that maps to the same member identity was reviewed again")
	}
}

func TestConcurrentUse(t *testing.T) {
	r := &reviewer{decide: teamA}
	c := NewChecker(r, identity, 10, time.Minute)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				a := list
				a.Namespace = []string{"team-a", "team-b", "team-c"}[(i+j)%3]
				ok, err := c.Allowed(context.Background(), "member1", alice, a)
				if err != nil || ok != (a.Namespace == "team-a") {
					t.Errorf("Allowed(%s) = %v, %v", a.Namespace, ok, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestGateComesFirst: a caller the control plane does not let reach the
// cluster is denied without asking the member, whatever the member's RBAC says.
func TestGateComesFirst(t *testing.T) {
	r := &reviewer{decide: teamA}
	c := NewChecker(r, identity, 100, time.Minute)
	c.Gate = func(_ context.Context, cluster string, caller user.Info) (bool, error) {
		return cluster == "member1", nil
	}
	if !mustAllowed(t, c, "member1", alice, list) {
		t.Error("alice may not list team-a on member1, which the gate admits")
	}
	before := r.count()
	if mustAllowed(t, c, "member2", alice, list) {
		t.Error("alice may list team-a on member2, which the gate refuses")
	}
	if r.count() != before {
		t.Error("the member was asked although the gate refused")
	}
	c.Gate = func(context.Context, string, user.Info) (bool, error) { return false, errors.New("control plane down") }
	if _, err := c.Allowed(t.Context(), "member1", bob, list); err == nil {
		t.Error("a failing gate gave no error")
	}
}
