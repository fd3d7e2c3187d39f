// Package proxy forwards requests to member clusters. Every request reaches the member
// as the cluster's impersonator ServiceAccount, impersonating the caller, so the member's
// own RBAC decides what the caller may do there. Connections are pooled: one transport
// per cluster, rebuilt when the cluster's endpoint or credentials change.
package proxy
