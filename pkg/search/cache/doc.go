// Package cache is the bounded in-memory object store behind the search endpoint
// (/apis/search.karmada.io/v1alpha1/search/cache/...).
//
// The search answers list queries over many member clusters without asking them, so it
// keeps their objects in memory; memory is the scarce resource, which is why this package
// exists instead of a plain client-go indexer. A Cache holds one Shard per (cluster,
// resource type). Each Shard is a client-go cache.Store fed by a reflector and keeps its
// objects compactly: the JSON bytes as served (managedFields stripped, the
// cached-from-cluster annotation set) plus a sorted index and the parsed labels. One LRU
// across all shards bounds both the number of objects and the bytes of JSON.
//
// Eviction never makes an object silently disappear: a shard remembers the keys it lost
// and reports itself incomplete (Shard.Complete) until a watch event or a relist brings
// them back, so the search falls through to the member for that shard instead of
// answering from a partial copy.
package cache
