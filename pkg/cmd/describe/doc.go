// Package describe implements `kubectl karmada describe`: kubectl's own
// describers, run in every member cluster (through each member's cluster proxy)
// that holds the object, with a header naming the cluster.
package describe
