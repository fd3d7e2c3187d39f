// Package scheduling is the controller that schedules bindings: it runs the
// scheduler (package scheduler) for each ResourceBinding and ClusterResourceBinding
// whose placement, replicas or candidate clusters changed, writes the result into
// spec.clusters, and reports it with the Scheduled condition and Events on the
// binding and its template.
package scheduling
