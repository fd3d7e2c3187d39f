// Package join implements `kubectl karmada join`, which registers a member cluster
// with the control plane in Push mode. The work is done by membership.Joiner; this
// package turns flags and kubeconfigs into its inputs.
package join
