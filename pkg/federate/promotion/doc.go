// Package promotion adopts objects that already run in a member cluster into the
// control plane. It copies each object, without what the member's API server and
// controllers set, as a resource template, and writes a policy that propagates the
// template back to that member only, with conflictResolution Overwrite (so that the
// execution controller takes the running object over in place instead of
// recreating it) and preserveResourcesOnDeletion (so that deleting the template
// never deletes the workload). When a step fails it deletes what it created.
package promotion
