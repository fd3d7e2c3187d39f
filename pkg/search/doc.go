// Package search will hold the global view across members: the merged proxy, the
// LRU-bounded search cache and the per-member authorization of every served object
// (search.karmada.io). Its API types already live in pkg/apis/search/v1alpha1; the
// server side is not written yet.
package search
