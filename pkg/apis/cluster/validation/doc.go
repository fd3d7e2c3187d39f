// Package validation checks Cluster objects before the aggregated server stores them,
// returning field errors with paths, as kube-apiserver does for built-in types.
package validation
