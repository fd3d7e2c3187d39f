// Package proxygrants works out, from the control plane's RBAC, which principals may
// use clusters/{name}/proxy for a given member cluster. The unified-auth controller
// turns the answer into the member's impersonation rules, and the proxy uses it to
// drop groups the member's impersonator is not allowed to impersonate; both must
// agree, so the computation lives here, free of clients and caches.
package proxygrants
