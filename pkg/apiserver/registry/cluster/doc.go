// Package cluster is the REST storage of cluster.karmada.io/v1alpha1 clusters: the
// Cluster objects themselves (kept in etcd through the generic registry), their
// status subresource, and the proxy subresource that forwards to the member.
package cluster
