// Package logs implements `kubectl karmada logs`: kubectl's own logs, run
// through the cluster proxy of the member that holds the pod. Without -C, the
// global proxy finds that member.
package logs
