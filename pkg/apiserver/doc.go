// Package apiserver assembles the aggregated API server that cmd/proxy runs: the
// cluster.karmada.io group (Cluster objects with status and the proxy subresource)
// and the search.karmada.io group (ResourceRegistry objects with status) on top of
// k8s.io/apiserver's generic server, with delegated authentication and
// authorization. It follows the Options → Config → completedConfig → New chain.
package apiserver
