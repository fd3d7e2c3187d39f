// Package validation checks ResourceRegistry objects before the aggregated server
// stores them, returning field errors with paths (such as
// spec.resourceSelectors[1].apiVersion), as kube-apiserver does for built-in types.
// A registry that passes names resource types the search can watch and clusters that
// can exist; whether they do is for the search controller to report in the status.
package validation
