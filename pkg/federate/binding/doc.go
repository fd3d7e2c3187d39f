// Package binding turns scheduled bindings into Works and brings status back. For
// each target cluster of a ResourceBinding or ClusterResourceBinding it renders the
// template for that cluster (server-set fields stripped, the cluster's share of
// replicas, overrides applied, referenced dependencies alongside) into one Work in
// karmada-es-<cluster>, removes Works of clusters no longer targeted, and aggregates
// the Works' status into the binding and the template.
package binding
