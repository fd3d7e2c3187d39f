// Package federate runs the fleet's controllers inside cmd/proxy: cluster status now,
// and the propagation engine (detector, scheduler, overrides, execution, status) as
// it lands. Run starts them under one controller-runtime manager with leader election.
package federate
