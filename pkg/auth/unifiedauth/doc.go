// Package unifiedauth keeps each member's impersonator in step with the control
// plane's RBAC. The proxy reaches a member as the ServiceAccount karmada-impersonator
// and impersonates the caller there; this package makes that account able to
// impersonate exactly the principals the control plane lets use the cluster's
// clusters/{name}/proxy subresource, and no one else, so a member never trusts the
// impersonator beyond what the control plane decided.
//
// Two parts share one computation (package proxygrants): Setup registers the
// controller that writes the ServiceAccount, ClusterRole and ClusterRoleBinding on
// every member (leader only), and GroupFilter lets the proxy (every replica) drop a
// caller's groups that the impersonator may not impersonate.
package unifiedauth
