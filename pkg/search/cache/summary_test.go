package cache

import (
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/labels"
)

// TestSummaryNeverRejectsAMatch checks that the summary prefilter only rejects objects
// that the full check would reject too.
func TestSummaryNeverRejectsAMatch(t *testing.T) {
	names := []string{"checkout", "CheckOut-2", "zeta.v1", "a", "x:y", "\u212Aelvin", "ÉCOLE", "cm-0042"}
	labelSets := []map[string]interface{}{
		nil,
		{"app": "web"},
		{"app": "web", "tier": "db"},
		{"app": "", "version": "10"},
		{"a": "1", "b": "2", "c": "3", "d": "4", "e": "5", "f": "6", "g": "7", "h": "8"},
	}
	selectors := []string{
		"app=web", "app==web", "app!=web", "app in (web,db)", "app in (web)", "app notin (web)",
		"app", "!app", "version>5", "version<50", "app=,version=10", "tier=db,app=web", "h=8,a=1", "nope=1",
	}
	patterns := []string{"", "chk", "co2", "k", "kelvin", "é", "cole", "z.1", "x:", "cm0042", "zz"}
	checked := 0
	for _, name := range names {
		for _, m := range labelSets {
			it := newItemFields("ns", name, m)
			for _, expr := range selectors {
				sel, err := labels.Parse(expr)
				if err != nil {
					t.Fatal(err)
				}
				for _, pattern := range patterns {
					sc := newScan(Query{Labels: sel, Fuzzy: pattern})
					matches := sel.Matches(&it.labels) && fuzzyMatch(name, sc.fuzzy)
					if matches && it.sum&sc.mask != sc.mask {
						t.Errorf("summary rejects %q with labels %v for %q, fuzzy %q", name, m, expr, pattern)
					}
					if matches {
						checked++
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no matching case checked")
	}
}

// TestSummaryRejects checks that the prefilter does reject the common mismatches.
func TestSummaryRejects(t *testing.T) {
	it := newItemFields("ns", fmt.Sprintf("checkout-%04d", 42), map[string]interface{}{"app": "web", "tier": "db"})
	tests := []struct {
		name  string
		query Query
	}{
		{"absent letter", Query{Fuzzy: "zq"}},
		{"absent label key", Query{Labels: labels.SelectorFromSet(labels.Set{"nope": "x"})}},
		{"absent label key (exists)", Query{Labels: labels.SelectorFromSet(nil).Add(mustRequirement(t, "nope"))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if sc := newScan(tt.query); it.sum&sc.mask == sc.mask {
				t.Errorf("summary %b does not reject mask %b", it.sum, sc.mask)
			}
		})
	}
}

func mustRequirement(t *testing.T, key string) labels.Requirement {
	t.Helper()
	sel, err := labels.Parse(key)
	if err != nil {
		t.Fatal(err)
	}
	reqs, _ := sel.Requirements()
	return reqs[0]
}
