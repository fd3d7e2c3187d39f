// Package clusterclient is the one seam through which the kubectl plugin reaches
// member clusters: genericclioptions.RESTClientGetters (and kubectl factories over
// them) that keep every standard client flag of the control plane (credentials,
// TLS, impersonation, timeouts, namespace) and only move the server URL to a path
// on the control plane — the global proxy, the search cache, or one member's
// cluster proxy. kubectl's own get, describe, logs and exec machinery then works
// unchanged across clusters.
//
// It also lists the Cluster objects that name the members, turns the global
// proxy's per-cluster Warning headers into a record of failed clusters, and finds
// the one cluster that holds an object.
package clusterclient
