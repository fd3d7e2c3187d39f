// Package kubeconfig implements `kubectl karmada kubeconfig`, which writes the
// unified kubeconfig: one context per member cluster, each reaching the member
// through the control plane's cluster proxy with the caller's own control-plane
// credentials, so that plain kubectl works against every member.
package kubeconfig
