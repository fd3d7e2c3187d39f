// Package collector fills the search cache: it turns ResourceRegistries into
// one reflector per (member cluster, resource type) feeding a shard of the
// cache, keeps that set in step with the registries and the clusters, and
// reports each registry's progress in its Ready condition.
//
// Reflectors reach members with the cluster's own credentials (spec.secretRef),
// which may read everything; what a caller may see of it is decided when the
// cache is queried, by the member's RBAC for that caller.
package collector
