// Package cordon implements `kubectl karmada cordon` and `uncordon`, which add and
// remove the cluster.karmada.io/unschedulable:NoSchedule taint of a member cluster
// so that the scheduler stops or resumes placing new workloads there.
package cordon
