// Package exec implements `kubectl karmada exec`: kubectl's own exec, run
// through the cluster proxy of the member that holds the pod. Without -C, the
// global proxy finds that member.
package exec
