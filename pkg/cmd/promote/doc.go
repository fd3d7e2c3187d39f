// Package promote implements `kubectl karmada promote`, which adopts an object
// running in a member cluster into the control plane without recreating it. The
// member is read through the control plane's cluster proxy with a cmdutil.Factory
// for that member; the work is done by federate/promotion.
package promote
