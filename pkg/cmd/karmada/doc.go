// Package karmada builds the root command of the kubectl-karmada plugin: the
// standard kubectl connection flags, which point at the control plane, one
// cmdutil.Factory shared by every subcommand, and the subcommands themselves.
package karmada
