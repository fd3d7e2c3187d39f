// Package propagate implements `kubectl karmada propagate`, which writes the
// PropagationPolicy (or ClusterPropagationPolicy) that sends the named resource
// templates to the named member clusters. The policy is built and written by
// federate/propagationpolicy; this package turns flags into its inputs.
package propagate
