// Package overrides rewrites a resource template for one member cluster as
// the OverridePolicies and ClusterOverridePolicies that select it ask, before
// the result is wrapped in a Work for that cluster. It is a pure library: the
// caller lists the policies and the Cluster, and gets back an overridden deep
// copy of the template plus a record of what applied, for the Work's
// annotations.
//
// # Selection
//
// A policy applies to a template when one of its resourceSelectors matches
// (apiVersion, kind, namespace, name, and labelSelector when no name is set)
// or when it has none. An OverridePolicy only ever selects templates of its
// own namespace; a ClusterOverridePolicy selects templates in any namespace
// and cluster-scoped ones. Each override rule applies when its targetCluster
// matches the cluster: not excluded, listed in clusterNames if any, matched
// by labelSelector if set, and by every fieldSelector expression (provider,
// region and zone, with In or NotIn; a cluster spanning several zones is In
// when any of them is listed). A nil targetCluster matches every cluster. A
// policy written in the deprecated form (spec.targetCluster with
// spec.overriders) is read as a single rule; one with neither rules nor
// overriders applies nowhere.
//
// # Order
//
// ClusterOverridePolicies are applied first, then OverridePolicies, each
// group sorted by name, so that the namespace owner has the last word. The
// rules of a policy are applied in order, and the overriders of a rule in
// this order:
//
//  1. imageOverrider
//  2. commandOverrider
//  3. argsOverrider
//  4. labelsOverrider
//  5. annotationsOverrider
//  6. fieldOverrider
//  7. plaintext
//
// Within each kind, the overriders are applied in the order they are listed.
//
// # Overriders
//
// imageOverrider rewrites one component of image references read as
// [registry/]repository[:tag][@digest] (see package imageref). Without a
// predicate it rewrites the images of every container and init container of
// Pods, Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs and CronJobs
// and leaves other kinds alone; with one, only the image at predicate.path,
// and nothing when that path does not exist. "add" appends the value to the
// registry or repository (docker.io + "-mirror" gives docker.io-mirror; with
// no registry the value becomes the registry) and sets the tag only when the
// reference has neither tag nor digest; "replace" sets the component;
// "remove" drops the registry, or the tag and digest. The Tag component is
// the tag or the digest: a value with a ':' (such as "sha256:..." or
// "@sha256:...") is a digest. The repository cannot be removed.
//
// commandOverrider and argsOverrider append ("add") or delete every
// occurrence of ("remove") the listed items in the command or args of the
// named container or init container of the same workloads. A container that
// does not exist is left alone.
//
// labelsOverrider and annotationsOverrider set the entries ("add"), delete
// the keys ("remove") or change the values of keys already present
// ("replace").
//
// fieldOverrider edits a JSON or YAML document held in a string field, such
// as a ConfigMap key, with JSON patch operations on subPaths, and writes it
// back in the same format. JSON keeps its key order and indentation; YAML is
// re-emitted with sorted keys and without comments, and a field holding
// several YAML documents is refused rather than cut down to the first.
//
// plaintext applies RFC 6902 JSON patch operations (add, remove, replace).
//
// Errors name the policy, the overrider and the path at fault, for example
// "overridepolicy default/nginx-op: overrideRules[0].overriders.plaintext[1]:
// path /spec/foo: not found", and missing paths wrap ErrPathNotFound.
package overrides
