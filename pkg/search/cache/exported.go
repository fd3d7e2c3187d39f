package cache

import "strings"

// Synced reports whether the shard's initial list is stored, whatever it lost
// to eviction since: a registry's shards are Ready once synced.
func (s *Shard) Synced() bool {
	s.cache.mu.RLock()
	defer s.cache.mu.RUnlock()
	return s.synced && !s.removed
}

// FuzzyMatch reports whether the characters of pattern appear in name in order,
// ignoring case: the match of Query.Fuzzy, for objects filtered outside the cache.
func FuzzyMatch(name, pattern string) bool {
	return fuzzyMatch(name, strings.ToLower(pattern))
}
