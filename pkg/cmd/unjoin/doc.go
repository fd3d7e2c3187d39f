// Package unjoin implements `kubectl karmada unjoin`, which removes a member
// cluster from the control plane and the control plane's access from the member.
// The work is done by membership.Unjoiner.
package unjoin
