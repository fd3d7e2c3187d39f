// Package propagationpolicy builds the PropagationPolicies and
// ClusterPropagationPolicies that the kubectl plugin writes for its users: policies
// that select exactly the resources named on the command line and place them on
// the clusters given. It also resolves those TYPE/NAME arguments against an API
// server's RESTMapper, and creates or updates a policy without disturbing the
// fields a user added by hand.
package propagationpolicy
