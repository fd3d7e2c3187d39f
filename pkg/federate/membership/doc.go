// Package membership registers member clusters with the control plane and removes
// them again. It owns everything `kubectl karmada join` and `unjoin` create on both
// sides (the member's ServiceAccounts, RBAC and token Secrets; the control plane's
// credential Secrets, Cluster object and execution namespace), so that the two
// commands stay exact inverses of each other. It also builds the unified kubeconfig
// that reaches every member through the control plane's cluster proxy.
//
// The types here take client interfaces and know nothing about cobra or flags; the
// commands in pkg/cmd only build the clients and print the results.
package membership
