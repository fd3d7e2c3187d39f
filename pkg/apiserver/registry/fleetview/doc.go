// Package fleetview serves the two connect resources of search.karmada.io that
// answer Kubernetes API paths across the members: proxying/karmada/proxy/...
// (the live global proxy) and search/cache/... (the search cache).
package fleetview
