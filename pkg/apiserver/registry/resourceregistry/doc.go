// Package resourceregistry is the REST storage of search.karmada.io/v1alpha1
// resourceregistries: the ResourceRegistry objects, kept in etcd through the
// generic registry, which tell the search cache what to collect from which
// clusters, and their status subresource, which the search controller writes.
package resourceregistry
