package cache

import (
	"github.com/google/btree"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Shard holds the objects of one resource type of one cluster. It is the cache.Store a
// reflector feeds (see store.go) and answers the search's queries (Select). Its state is
// guarded by the mutex of its Cache.
type Shard struct {
	cache     *Cache
	cluster   string
	gvr       schema.GroupVersionResource
	kind      string
	namespace string

	tree *btree.BTreeG[item] // by (namespace, name)
	// missing holds the packed keys of objects the member has but the shard does not:
	// evicted, or not storable. A watch event or a relist of the key removes it.
	missing map[string]struct{}
	synced  bool   // the initial Replace is done
	removed bool   // RemoveShard dropped this shard
	rv      string // latest resource version seen
}

// String names the shard for errors and logs.
func (s *Shard) String() string {
	return s.cluster + "/" + s.gvr.String()
}

// Cluster returns the cluster whose objects the shard holds.
func (s *Shard) Cluster() string { return s.cluster }

// GroupVersionResource returns the resource type of the shard.
func (s *Shard) GroupVersionResource() schema.GroupVersionResource { return s.gvr }

// Kind returns the kind of the shard's objects.
func (s *Shard) Kind() string { return s.kind }

// Namespace returns the namespace the shard is limited to, "" for all namespaces.
func (s *Shard) Namespace() string { return s.namespace }

// Covers reports whether the shard holds every object of namespace, "" meaning all
// namespaces: a shard of all namespaces covers any, a namespaced shard only its own.
func (s *Shard) Covers(namespace string) bool {
	return s.namespace == "" || namespace == s.namespace
}

// Complete reports whether the shard holds every object of its resource type: the
// initial list is stored, no object is missing (evicted) and the shard was not removed.
// The search answers from a shard only when it is complete.
func (s *Shard) Complete() bool {
	s.cache.mu.RLock()
	defer s.cache.mu.RUnlock()
	return s.synced && !s.removed && len(s.missing) == 0
}

// ResourceVersion returns the latest resource version the shard has seen: from the last
// relist, from any event's object, or from a bookmark.
func (s *Shard) ResourceVersion() string {
	s.cache.mu.RLock()
	defer s.cache.mu.RUnlock()
	return s.rv
}

// Len returns the number of objects the shard holds.
func (s *Shard) Len() int {
	s.cache.mu.RLock()
	defer s.cache.mu.RUnlock()
	return s.tree.Len()
}

// Missing returns the number of objects the shard lost to eviction (or could not store)
// and that no event has brought back yet.
func (s *Shard) Missing() int {
	s.cache.mu.RLock()
	defer s.cache.mu.RUnlock()
	return len(s.missing)
}
