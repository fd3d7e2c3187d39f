// Package taint implements `kubectl karmada taint`, the member-cluster counterpart
// of `kubectl taint nodes`: it adds, replaces and removes Cluster.spec.taints.
package taint
