// Package global answers Kubernetes API requests across every member cluster at
// once: the global proxy of search.karmada.io (proxying/karmada/proxy/...).
//
// Reads fan out to the members, each as the caller (impersonated exactly like the
// per-cluster proxy), and merge into one answer: one list or one Table with a
// CLUSTER column, each object annotated with its cluster, paginated with an opaque
// multi-cluster continue token and versioned with a multi-cluster resourceVersion
// that a merged watch resumes from. Writes and subresources go to the one cluster
// that holds the object. A failing cluster is left out and named in a Warning
// header instead of failing the whole request.
package global
