// Package version implements `kubectl karmada version`: the plugin's own version,
// the control plane's Kubernetes version, and whether the control plane serves the
// cluster.karmada.io API of the aggregated proxy server.
package version
