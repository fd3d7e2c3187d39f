// Package apiresources implements `kubectl karmada api-resources`: the API
// resources that the member clusters serve, found by discovery through each
// member's cluster proxy and merged into one table that names the clusters
// serving each resource.
package apiresources
