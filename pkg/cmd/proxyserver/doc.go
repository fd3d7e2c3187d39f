// Package proxyserver is the command that cmd/proxy runs: the aggregated API server
// and, in the same process, the controllers (with leader election).
package proxyserver
