// Package search answers search.karmada.io/v1alpha1 search/cache/{path}: lists
// of Kubernetes objects across the members, answered from the search cache
// (pkg/search/cache, filled by pkg/search/collector), filtered by name, name
// prefix, fuzzy name, labels, namespaces and clusters, merged, sorted and
// paginated exactly like the global proxy's answers.
//
// The cache holds what the members' own credentials can read, so every object
// it serves is first checked against the member's RBAC for the caller
// (pkg/auth/memberaccess). What the cache cannot answer completely (a type it
// does not hold, a shard still listing or with evicted entries, a namespace it
// does not cover) is answered by the member, live, as the caller.
package search
