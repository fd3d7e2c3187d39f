// Package scheduler decides where a binding's resource template runs: which member
// clusters receive it and how many replicas each one gets. It is a pure function of
// its Input (placement, template, replica count and requirements, current assignment
// and the Cluster objects) so that the controller calling it stays thin and every
// scheduling rule can be tested without a cluster.
//
// Scheduling runs in three steps, for each cluster affinity term in turn until one
// succeeds:
//
//  1. Filters drop clusters that do not match the affinity, carry a taint the
//     placement does not tolerate, do not serve the template's API or are not Ready.
//  2. Spread constraints choose groups of the remaining clusters (by cluster,
//     region, zone, provider or label) within their minGroups and maxGroups.
//  3. Replicas are duplicated into every chosen cluster or divided among them by
//     static weights, by available replicas, or aggregated into as few clusters as
//     possible.
//
// Scheduling is steady: given the current assignment, replicas that still have a
// place stay where they are, scaling only adds or removes the difference, and an
// unchanged input yields the unchanged assignment. When nothing fits, Schedule returns
// an *UnschedulableError whose message counts the clusters per reason in the style of
// kube-scheduler.
package scheduler
