// Package clustertaint edits the taints of member clusters (Cluster.spec.taints),
// which keep workloads away from a cluster the way node taints keep pods off a node.
// It parses `kubectl taint`-style arguments, applies them with kubectl's rules, and
// provides the fixed taint that cordon and uncordon add and remove.
package clustertaint
