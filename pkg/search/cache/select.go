package cache

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/labels"
)

// Query selects entries of a shard. Its filters combine with AND.
type Query struct {
	// Namespace limits the query to one namespace; "" means all namespaces.
	Namespace string
	// Name selects the object of exactly this name ("" for any).
	Name string
	// NamePrefix selects the names that start with it ("" for any). Ignored when Name is set.
	NamePrefix string
	// Fuzzy selects the names that contain its characters in order, case-insensitively
	// ("" for any).
	Fuzzy string
	// Labels selects by label; nil selects everything.
	Labels labels.Selector
	// After continues a paginated query: only entries that sort strictly after this key
	// are returned. Pass the Key of the last entry of the previous page; the zero Key
	// starts from the beginning.
	After Key
	// Allow filters by namespace (for authorization); nil allows all. Select calls it at
	// most once per namespace, only for a namespace that has a matching entry, and
	// without holding the cache's lock: it may be slow (a SubjectAccessReview).
	Allow func(namespace string) bool
	// Limit stops the query after this many entries; 0 means no limit.
	Limit int
}

// Entry is one object returned by Select.
type Entry struct {
	Namespace       string
	Name            string
	ResourceVersion string
	// Object is the object's JSON, without managedFields and with the annotation
	// resource.karmada.io/cached-from-cluster set. It is shared with the cache: do not
	// modify it.
	Object []byte
}

// Key returns the entry's key, for Query.After.
func (e Entry) Key() Key { return Key{Namespace: e.Namespace, Name: e.Name} }

// Select returns the entries of the shard that match q, sorted by namespace, then name.
//
// Namespace, Name, NamePrefix and After are answered by seeking in the shard's sorted
// index: a query by name over all namespaces costs one or two seeks per namespace, not a
// scan of the shard. Fuzzy and Labels are checked on each entry of the range, so a query
// that only filters by them scans until it has Limit entries; a 64-bit summary of each
// entry's name and labels, held in the index, rejects most non-matching entries of such a
// scan without reading their strings. Select does not change the recency of the entries
// it returns.
//
// Select holds the cache's read lock while it walks the index, and releases it while
// Allow runs; the walk then resumes from the entry it stopped at. A page is therefore
// consistent within each namespace, not necessarily across namespaces whose Allow ran.
func (s *Shard) Select(q Query) []Entry {
	return newScan(q).run(s)
}

// scan is the state of one Select: a cursor that walks the index in key order and
// seeks forward whenever the rest of a namespace cannot match.
type scan struct {
	q     Query
	from  string // the smallest name that can match in any namespace
	after string // packed keys must be >= after; "" for no bound
	fuzzy string // q.Fuzzy, lower-cased
	sel   labels.Selector
	mask  summary // the summary bits every match has

	labels labelSet // the labels being matched, for sel

	ns      string // namespace of the entry at the cursor; NUL before the first
	allowed int8   // Allow's answer for ns: 0 unknown, 1 yes, -1 no
	ask     bool   // the walk stopped to ask Allow about ns
	out     []Entry
}

func newScan(q Query) *scan {
	sc := &scan{q: q, from: q.NamePrefix, ns: "\x00"}
	if q.Name != "" {
		sc.from = q.Name
	}
	if q.After != (Key{}) {
		// The smallest key strictly after After.
		sc.after = packKey(q.After.Namespace, q.After.Name) + "\x00"
	}
	sc.fuzzy = strings.ToLower(q.Fuzzy)
	if q.Labels != nil && !q.Labels.Empty() {
		sc.sel = q.Labels
		sc.mask = selectorSummary(q.Labels)
	}
	sc.mask |= nameSummary(sc.fuzzy, true)
	if q.Limit > 0 {
		sc.out = make([]Entry, 0, min(q.Limit, 128))
	}
	return sc
}

func (sc *scan) run(s *Shard) []Entry {
	mu := &s.cache.mu
	mu.RLock()
	locked := true
	defer func() {
		if locked {
			mu.RUnlock()
		}
	}()
	probe := item{key: sc.seek(packKey(sc.q.Namespace, sc.from))}
	// Within one namespace, bound the walk: visit may skip entries without reading their
	// keys, so it would not notice leaving the namespace.
	stop := item{key: nextNamespace(sc.q.Namespace)}
	for {
		if s.removed {
			return nil
		}
		next := "" // stays "" when the walk ends: at the end of the range, or done
		walk := func(it item) bool {
			var done bool
			if next, done = sc.visit(it); done {
				next = ""
				return false
			}
			return next == ""
		}
		if sc.q.Namespace != "" {
			s.tree.AscendRange(probe, stop, walk)
		} else {
			s.tree.AscendGreaterOrEqual(probe, walk)
		}
		if next == "" {
			return sc.out
		}
		if sc.ask {
			// Ask without the lock, then resume at the entry that needed the answer.
			sc.ask = false
			mu.RUnlock()
			locked = false
			sc.allowed = -1
			if sc.q.Allow(sc.ns) {
				sc.allowed = 1
			}
			mu.RLock()
			locked = true
		}
		probe.key = sc.seek(next)
	}
}

// seek bounds a seek target by After.
func (sc *scan) seek(key string) string {
	return max(key, sc.after)
}

// visit handles the entry at the cursor. It returns the key to seek to, or done when the
// query is answered; neither means go on with the next entry.
func (sc *scan) visit(it item) (next string, done bool) {
	if sc.from == "" && it.sum&sc.mask != sc.mask {
		// Cannot match, and no name range to keep track of: skip without reading the key.
		return "", false
	}
	ns, name := unpackKey(it.key)
	if ns != sc.ns {
		// The first entry of a namespace.
		if sc.q.Namespace != "" && ns != sc.q.Namespace {
			return "", true
		}
		sc.ns, sc.allowed = ns, 0
		if name < sc.from {
			return packKey(ns, sc.from), false
		}
	}
	switch {
	case sc.q.Name != "" && name != sc.q.Name,
		sc.q.Name == "" && !strings.HasPrefix(name, sc.q.NamePrefix):
		// Past the names that can match in this namespace.
		return nextNamespace(ns), false
	case it.sum&sc.mask != sc.mask,
		sc.fuzzy != "" && !fuzzyMatch(name, sc.fuzzy):
		return "", false
	case sc.sel != nil:
		// Match through sc.labels: boxing the string itself would allocate every time.
		if sc.labels = it.labels; !sc.sel.Matches(&sc.labels) {
			return "", false
		}
	}
	if sc.q.Allow != nil && sc.allowed == 0 {
		sc.ask = true
		return it.key, false // come back to this entry once Allow has answered
	}
	if sc.allowed < 0 {
		return nextNamespace(ns), false
	}
	sc.out = append(sc.out, it.e.toEntry())
	return "", sc.q.Limit > 0 && len(sc.out) >= sc.q.Limit
}

// fuzzyMatch reports whether the characters of pattern (lower case) appear in name in
// order, ignoring case.
func fuzzyMatch(name, pattern string) bool {
	j := 0
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= utf8.RuneSelf {
			return fuzzyMatchRunes(name[i:], pattern[j:])
		}
		if j == len(pattern) {
			return true
		}
		if pattern[j] >= utf8.RuneSelf {
			return fuzzyMatchRunes(name[i:], pattern[j:])
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c == pattern[j] {
			j++
		}
	}
	return j == len(pattern)
}

func fuzzyMatchRunes(name, pattern string) bool {
	p := []rune(pattern)
	j := 0
	for _, r := range name {
		if j == len(p) {
			break
		}
		if unicode.ToLower(r) == p[j] {
			j++
		}
	}
	return j == len(p)
}
