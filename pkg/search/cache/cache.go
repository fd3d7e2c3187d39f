package cache

import (
	"sync"

	"github.com/google/btree"
	"github.com/hashicorp/golang-lru/v2/simplelru"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Defaults for the fields of Options left at zero.
const (
	DefaultMaxObjects       = 200_000
	DefaultMaxBytes   int64 = 512 << 20
)

// Options bounds a Cache. A field that is zero or negative takes its default.
type Options struct {
	// MaxObjects bounds the number of objects across all shards.
	MaxObjects int
	// MaxBytes bounds the bytes of stored JSON across all shards. The heap is larger:
	// the index, labels and bookkeeping of an object come on top of its JSON (about 330
	// bytes for a small ConfigMap whose JSON is 340).
	MaxBytes int64
}

// Cache holds the shards of the search cache and the one LRU that bounds them all.
//
// A single RWMutex guards every shard, the LRU and the byte count: writes (reflector
// events) take it exclusively, Select and the other reads share it. Reads never touch
// the LRU, so recency is the time of the last write (add, update or relist) of an object:
// the objects evicted first are those that have not changed for the longest. Bumping
// recency on reads would serialise all queries on the lock while protecting only the
// returned page, not the completeness of the shard, which is what the search needs.
type Cache struct {
	mu     sync.RWMutex
	opts   Options
	lru    *simplelru.LRU[*entry, struct{}]
	bytes  int64
	shards map[shardID]*Shard

	// The values last added to the process-wide gauges, so that several caches in one
	// process (tests) add up instead of overwriting each other.
	publishedObjects, publishedBytes int64
}

type shardID struct {
	cluster string
	gvr     schema.GroupVersionResource
}

// New returns an empty Cache bounded by opts.
func New(opts Options) *Cache {
	if opts.MaxObjects <= 0 {
		opts.MaxObjects = DefaultMaxObjects
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	// No eviction callback: the cache evicts explicitly (evictOldest) so that removing an
	// updated or deleted object is never mistaken for an eviction.
	lru, err := simplelru.NewLRU[*entry, struct{}](opts.MaxObjects, nil)
	if err != nil {
		panic(err) // unreachable: the size is positive
	}
	registerMetrics()
	return &Cache{opts: opts, lru: lru, shards: map[shardID]*Shard{}}
}

// Shard returns the shard of a cluster's resource type, creating it if needed. kind is the
// kind of its objects (set on objects that lack it); namespace limits the shard to one
// namespace ("" for all), as the reflector that feeds it is limited. An existing shard
// keeps the kind and namespace it was created with: remove it first to change them.
func (c *Cache) Shard(cluster string, gvr schema.GroupVersionResource, kind, namespace string) *Shard {
	id := shardID{cluster: cluster, gvr: gvr}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.shards[id]; ok {
		return s
	}
	s := &Shard{
		cache:     c,
		cluster:   cluster,
		gvr:       gvr,
		kind:      kind,
		namespace: namespace,
		tree:      newTree(),
		missing:   map[string]struct{}{},
	}
	c.shards[id] = s
	return s
}

// Lookup returns the shard of a cluster's resource type, if there is one.
func (c *Cache) Lookup(cluster string, gvr schema.GroupVersionResource) (*Shard, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	s, ok := c.shards[shardID{cluster: cluster, gvr: gvr}]
	return s, ok
}

// RemoveShard drops the shard of a cluster's resource type and its objects; they do not
// count as evictions. The removed Shard ignores further writes and is never Complete, so
// a reflector still feeding it cannot leak objects back into the cache.
func (c *Cache) RemoveShard(cluster string, gvr schema.GroupVersionResource) {
	id := shardID{cluster: cluster, gvr: gvr}
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.shards[id]
	if !ok {
		return
	}
	delete(c.shards, id)
	c.clear(s)
	s.removed = true
	c.publish(0)
}

// Len returns the number of objects held across all shards.
func (c *Cache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.lru.Len()
}

// Bytes returns the bytes of JSON held across all shards.
func (c *Cache) Bytes() int64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.bytes
}

func newTree() *btree.BTreeG[item] {
	return btree.NewG(32, item.less)
}

// The methods below are called with c.mu held for writing.

// put stores it in its shard, replacing the object of the same key, then evicts the
// least recently written objects until both bounds hold. It returns the number evicted,
// which may include it itself when it alone is larger than MaxBytes.
func (c *Cache) put(it item) (evicted int) {
	e, s := it.e, it.e.shard
	if old, ok := s.tree.ReplaceOrInsert(it); ok {
		c.unlink(old.e)
	}
	delete(s.missing, e.key)
	if c.lru.Len() >= c.opts.MaxObjects && c.evictOldest() {
		evicted++
	}
	c.lru.Add(e, struct{}{})
	c.bytes += int64(len(e.object))
	for c.bytes > c.opts.MaxBytes && c.evictOldest() {
		evicted++
	}
	return evicted
}

// drop removes the object of key from s and forgets that it was missing.
func (c *Cache) drop(s *Shard, key string) {
	if old, ok := s.tree.Delete(item{key: key}); ok {
		c.unlink(old.e)
	}
	delete(s.missing, key)
}

// clear removes every object of s (not an eviction) and forgets the missing ones.
func (c *Cache) clear(s *Shard) {
	s.tree.Ascend(func(it item) bool {
		c.unlink(it.e)
		return true
	})
	s.tree = newTree()
	clear(s.missing)
}

// evictOldest evicts the least recently written object and records it as missing in its
// shard. It returns false when the cache is empty.
func (c *Cache) evictOldest() bool {
	e, _, ok := c.lru.RemoveOldest()
	if !ok {
		return false
	}
	c.bytes -= int64(len(e.object))
	e.shard.tree.Delete(item{key: e.key})
	e.shard.missing[e.key] = struct{}{}
	return true
}

// unlink takes e out of the LRU and the byte count; the caller has taken it out of its
// shard's tree.
func (c *Cache) unlink(e *entry) {
	c.lru.Remove(e)
	c.bytes -= int64(len(e.object))
}

// publish brings the metrics up to date after a write.
func (c *Cache) publish(evicted int) {
	objects := int64(c.lru.Len())
	objectsGauge.Add(float64(objects - c.publishedObjects))
	bytesGauge.Add(float64(c.bytes - c.publishedBytes))
	c.publishedObjects, c.publishedBytes = objects, c.bytes
	if evicted > 0 {
		evictionsTotal.Add(float64(evicted))
	}
}
