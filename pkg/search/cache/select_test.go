package cache

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/labels"
)

// selectFixture is a shard whose keys sort differently as tuples and as "ns/name"
// strings: namespace "a" before "a-x", although "a-x/..." < "a/..." as strings.
func selectFixture(t *testing.T) *Shard {
	t.Helper()
	c := New(Options{MaxObjects: 1000, MaxBytes: 1 << 24})
	s := c.Shard("member1", configMaps, "ConfigMap", "")
	objs := []interface{}{
		newConfigMap("a-x", "checkout", "1", map[string]string{"app": "shop", "tier": "web"}),
		newConfigMap("a-x", "payments", "2", map[string]string{"app": "shop", "tier": "db"}),
		newConfigMap("a", "checkout", "3", map[string]string{"app": "shop", "tier": "web"}),
		newConfigMap("a", "checkout-v2", "4", map[string]string{"app": "shop"}),
		newConfigMap("a", "Cache-Keeper", "5", map[string]string{"app": "infra"}),
		newConfigMap("b", "checkpoint", "6", nil),
		newConfigMap("b", "zeta", "7", map[string]string{"tier": "web"}),
		newConfigMap("c", "checkout", "8", map[string]string{"app": "other"}),
	}
	if err := s.Replace(objs, "9"); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSelect(t *testing.T) {
	s := selectFixture(t)
	sel := func(expr string) labels.Selector {
		l, err := labels.Parse(expr)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	allowOnly := func(allowed ...string) func(string) bool {
		return func(ns string) bool { return slices.Contains(allowed, ns) }
	}
	tests := []struct {
		name  string
		query Query
		want  []Key
	}{
		{"everything, tuple order", Query{}, []Key{
			{"a", "Cache-Keeper"}, {"a", "checkout"}, {"a", "checkout-v2"}, {"a-x", "checkout"}, {"a-x", "payments"},
			{"b", "checkpoint"}, {"b", "zeta"}, {"c", "checkout"}}},
		{"namespace", Query{Namespace: "a-x"}, []Key{{"a-x", "checkout"}, {"a-x", "payments"}}},
		{"unknown namespace", Query{Namespace: "nope"}, []Key{}},
		{"exact name, all namespaces", Query{Name: "checkout"}, []Key{{"a", "checkout"}, {"a-x", "checkout"}, {"c", "checkout"}}},
		{"exact name in a namespace", Query{Namespace: "a", Name: "checkout"}, []Key{{"a", "checkout"}}},
		{"exact name absent", Query{Name: "check"}, []Key{}},
		{"prefix", Query{NamePrefix: "check"}, []Key{
			{"a", "checkout"}, {"a", "checkout-v2"}, {"a-x", "checkout"}, {"b", "checkpoint"}, {"c", "checkout"}}},
		{"prefix in a namespace", Query{Namespace: "a", NamePrefix: "checkout"}, []Key{{"a", "checkout"}, {"a", "checkout-v2"}}},
		{"fuzzy", Query{Fuzzy: "chkout"}, []Key{{"a", "checkout"}, {"a", "checkout-v2"}, {"a-x", "checkout"}, {"c", "checkout"}}},
		{"fuzzy ignores case", Query{Fuzzy: "CKEEP"}, []Key{{"a", "Cache-Keeper"}}},
		{"fuzzy no match", Query{Fuzzy: "xyz"}, []Key{}},
		{"label equality", Query{Labels: sel("tier=web")}, []Key{{"a", "checkout"}, {"a-x", "checkout"}, {"b", "zeta"}}},
		{"label set-based", Query{Labels: sel("app in (shop,infra),!tier")}, []Key{{"a", "Cache-Keeper"}, {"a", "checkout-v2"}}},
		{"label exists", Query{Labels: sel("app")}, []Key{
			{"a", "Cache-Keeper"}, {"a", "checkout"}, {"a", "checkout-v2"}, {"a-x", "checkout"}, {"a-x", "payments"}, {"c", "checkout"}}},
		{"labels.Everything", Query{Namespace: "b", Labels: labels.Everything()}, []Key{{"b", "checkpoint"}, {"b", "zeta"}}},
		{"filters combine", Query{NamePrefix: "check", Fuzzy: "v2", Labels: sel("app=shop")}, []Key{{"a", "checkout-v2"}}},
		{"allow", Query{Name: "checkout", Allow: allowOnly("a-x", "c")}, []Key{{"a-x", "checkout"}, {"c", "checkout"}}},
		{"allow nothing", Query{Allow: allowOnly()}, []Key{}},
		{"limit", Query{NamePrefix: "check", Limit: 2}, []Key{{"a", "checkout"}, {"a", "checkout-v2"}}},
		{"after, same namespace", Query{After: Key{"a", "checkout"}, Limit: 2}, []Key{{"a", "checkout-v2"}, {"a-x", "checkout"}}},
		{"after a key that is not stored", Query{After: Key{"a-w", "zzz"}, Limit: 1}, []Key{{"a-x", "checkout"}}},
		{"after with a name", Query{Name: "checkout", After: Key{"a", "checkout"}}, []Key{{"a-x", "checkout"}, {"c", "checkout"}}},
		{"after with a prefix", Query{NamePrefix: "checkout", After: Key{"a", "checkout-v2"}}, []Key{{"a-x", "checkout"}, {"c", "checkout"}}},
		{"after the last", Query{After: Key{"c", "checkout"}}, []Key{}},
		{"after in the query namespace", Query{Namespace: "b", After: Key{"b", "checkpoint"}}, []Key{{"b", "zeta"}}},
		{"after past the query namespace", Query{Namespace: "a", After: Key{"b", ""}}, []Key{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := keys(s.Select(tt.query))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Select(%+v) (-want +got):\n%s", tt.query, diff)
			}
		})
	}
}

func TestSelectAllowCalledOncePerNamespace(t *testing.T) {
	c := New(Options{MaxObjects: 10000, MaxBytes: 1 << 26})
	s := c.Shard("member1", configMaps, "ConfigMap", "")
	for ns := range 5 {
		for i := range 50 {
			mustAdd(t, s, newConfigMap(fmt.Sprintf("ns-%d", ns), fmt.Sprintf("cm-%02d", i), "1", nil))
		}
	}
	mustAdd(t, s, newConfigMap("only-other", "x", "1", nil))
	tests := []struct {
		name      string
		query     Query
		wantCalls []string
		wantLen   int
	}{
		{"scan", Query{}, []string{"ns-0", "ns-1", "ns-2", "ns-3", "ns-4", "only-other"}, 151},
		{"name skips namespaces without a match", Query{Name: "cm-07"}, []string{"ns-0", "ns-1", "ns-2", "ns-3", "ns-4"}, 3},
		{"fuzzy", Query{Fuzzy: "x"}, []string{"only-other"}, 1},
		{"limit stops early", Query{Limit: 60}, []string{"ns-0", "ns-1", "ns-2"}, 60},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls []string
			tt.query.Allow = func(ns string) bool {
				calls = append(calls, ns)
				return ns != "ns-1" && ns != "ns-3"
			}
			got := s.Select(tt.query)
			if diff := cmp.Diff(tt.wantCalls, calls); diff != "" {
				t.Errorf("Allow calls (-want +got):\n%s", diff)
			}
			if len(got) != tt.wantLen {
				t.Errorf("got %d entries, want %d", len(got), tt.wantLen)
			}
			for _, e := range got {
				if e.Namespace == "ns-1" || e.Namespace == "ns-3" {
					t.Fatalf("entry of a denied namespace: %v", e.Key())
				}
			}
		})
	}
}

// TestSelectPagination pages through the whole shard with After and checks that every
// matching entry comes exactly once, in order.
func TestSelectPagination(t *testing.T) {
	c := New(Options{MaxObjects: 10000, MaxBytes: 1 << 26})
	s := c.Shard("member1", configMaps, "ConfigMap", "")
	namespaces := []string{"a", "a-b", "a.b", "ab", "b", "kube-system"}
	for i, ns := range namespaces {
		for j := range 37 + i {
			mustAdd(t, s, newConfigMap(ns, fmt.Sprintf("cm-%d", j), "1", map[string]string{"even": fmt.Sprint(j%2 == 0)}))
		}
	}
	even, _ := labels.Parse("even=true")
	queries := []struct {
		name  string
		query Query
	}{
		{"all", Query{}},
		{"prefix", Query{NamePrefix: "cm-1"}},
		{"name", Query{Name: "cm-3"}},
		{"labels", Query{Labels: even}},
		{"namespace", Query{Namespace: "a.b"}},
		{"fuzzy", Query{Fuzzy: "c2"}},
	}
	for _, q := range queries {
		for _, limit := range []int{1, 2, 7, 50, 1000} {
			t.Run(fmt.Sprintf("%s/limit=%d", q.name, limit), func(t *testing.T) {
				want := keys(s.Select(q.query))
				var got []Key
				query := q.query
				query.Limit = limit
				for pages := 0; ; pages++ {
					if pages > len(want)+1 {
						t.Fatal("pagination does not end")
					}
					page := s.Select(query)
					got = append(got, keys(page)...)
					if len(page) < limit {
						break
					}
					query.After = page[len(page)-1].Key()
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("pages differ from one Select (-want +got):\n%s", diff)
				}
				if !slices.IsSortedFunc(got, Key.Compare) {
					t.Error("not sorted")
				}
			})
		}
	}
}

func TestFuzzyMatch(t *testing.T) {
	tests := []struct {
		name, pattern string
		want          bool
	}{
		{"checkout", "chkout", true},
		{"checkout", "", true},
		{"checkout", "tuokc", false},
		{"CheckOut", "ckou", true},
		{"chéckout", "éck", true},
		{"CHÉCKOUT", "éck", true},
		{"chéckout", "eck", false},
		{"ab", "abc", false},
	}
	for _, tt := range tests {
		t.Run(tt.name+"~"+tt.pattern, func(t *testing.T) {
			if got := fuzzyMatch(tt.name, tt.pattern); got != tt.want {
				t.Errorf("fuzzyMatch(%q, %q) = %v, want %v", tt.name, tt.pattern, got, tt.want)
			}
		})
	}
}

func TestLabelSet(t *testing.T) {
	l := newLabelSet(map[string]interface{}{"b": "2", "a": "", "c": "3"})
	for _, k := range []string{"a", "b", "c"} {
		if !l.Has(k) {
			t.Errorf("Has(%q) = false", k)
		}
	}
	if v, ok := l.Lookup("b"); v != "2" || !ok {
		t.Errorf("Lookup(b) = %q, %v", v, ok)
	}
	if l.Has("0") || l.Has("bb") || l.Has("d") || l.Get("c") != "3" {
		t.Error("wrong answer for an absent key")
	}
	if labelSet("").Has("a") {
		t.Error("empty set has a label")
	}
}

// TestSelectAllowWithoutLock checks that Allow runs without the cache's lock (it may write
// to the cache without deadlocking) and that the walk resumes correctly after it.
func TestSelectAllowWithoutLock(t *testing.T) {
	c := New(Options{MaxObjects: 100, MaxBytes: 1 << 20})
	s := c.Shard("member1", configMaps, "ConfigMap", "")
	mustAdd(t, s, newConfigMap("a", "1", "1", nil), newConfigMap("a", "2", "1", nil), newConfigMap("a", "3", "1", nil),
		newConfigMap("b", "1", "1", nil))
	result := make(chan []Key, 1)
	go func() {
		result <- keys(s.Select(Query{Allow: func(ns string) bool {
			if ns == "a" {
				// Changes while Allow runs: the walk resumes where it stopped.
				if err := s.Delete(newConfigMap("a", "2", "2", nil)); err != nil {
					t.Error(err)
				}
				mustAdd(t, s, newConfigMap("a", "4", "3", nil))
			}
			return true
		}}))
	}()
	select {
	case got := <-result:
		want := []Key{{"a", "1"}, {"a", "3"}, {"a", "4"}, {"b", "1"}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Select (-want +got):\n%s", diff)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Select deadlocked: Allow runs under the cache's lock")
	}
}
