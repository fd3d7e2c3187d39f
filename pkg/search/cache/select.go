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
	// most once per namespace, and only for a namespace that has a matching entry.
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
// that only filters by them scans until it has Limit entries. Select does not change the
// recency of the entries it returns.
func (s *Shard) Select(q Query) []Entry {
	s.cache.mu.RLock()
	defer s.cache.mu.RUnlock()
	if s.removed {
		return nil
	}
	return newSelection(q).run(s)
}

// selection is the state of one Select: a cursor that walks the index in key order and
// seeks forward whenever the rest of a namespace cannot match.
type selection struct {
	q     Query
	from  string // the smallest name that can match in any namespace
	after string // packed keys must be >= after; "" for no bound
	fuzzy string // q.Fuzzy, lower-cased
	sel   labels.Selector

	ns      string // namespace of the entry at the cursor; NUL before the first
	allowed int8   // Allow's answer for ns: 0 unknown, 1 yes, -1 no
	out     []Entry
}

func newSelection(q Query) *selection {
	sl := &selection{q: q, from: q.NamePrefix, ns: "\x00"}
	if q.Name != "" {
		sl.from = q.Name
	}
	if q.After != (Key{}) {
		// The smallest key strictly after After.
		sl.after = packKey(q.After.Namespace, q.After.Name) + "\x00"
	}
	sl.fuzzy = strings.ToLower(q.Fuzzy)
	if q.Labels != nil && !q.Labels.Empty() {
		sl.sel = q.Labels
	}
	if q.Limit > 0 {
		sl.out = make([]Entry, 0, min(q.Limit, 1024))
	}
	return sl
}

func (sl *selection) run(s *Shard) []Entry {
	probe := &entry{key: sl.seek(packKey(sl.q.Namespace, sl.from))}
	for {
		next := "" // stays "" when the walk ends: at the end of the index, or done
		s.tree.AscendGreaterOrEqual(probe, func(e *entry) bool {
			var done bool
			if next, done = sl.visit(e); done {
				next = ""
				return false
			}
			return next == ""
		})
		if next == "" {
			return sl.out
		}
		probe.key = sl.seek(next)
	}
}

// seek bounds a seek target by After.
func (sl *selection) seek(key string) string {
	return max(key, sl.after)
}

// visit handles the entry at the cursor. It returns the key to seek to, or done when the
// query is answered; neither means go on with the next entry.
func (sl *selection) visit(e *entry) (next string, done bool) {
	ns, name := unpackKey(e.key)
	if ns != sl.ns {
		// The first entry of a namespace.
		if sl.q.Namespace != "" && ns != sl.q.Namespace {
			return "", true
		}
		sl.ns, sl.allowed = ns, 0
		if name < sl.from {
			return packKey(ns, sl.from), false
		}
	}
	switch {
	case sl.q.Name != "" && name != sl.q.Name,
		sl.q.Name == "" && !strings.HasPrefix(name, sl.q.NamePrefix):
		// Past the names that can match in this namespace.
		return nextNamespace(ns), false
	case sl.fuzzy != "" && !fuzzyMatch(name, sl.fuzzy),
		sl.sel != nil && !sl.sel.Matches(e.labels):
		return "", false
	}
	if sl.q.Allow != nil && sl.allowed == 0 {
		sl.allowed = -1
		if sl.q.Allow(ns) {
			sl.allowed = 1
		}
	}
	if sl.allowed < 0 {
		return nextNamespace(ns), false
	}
	sl.out = append(sl.out, e.toEntry())
	return "", sl.q.Limit > 0 && len(sl.out) >= sl.q.Limit
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
