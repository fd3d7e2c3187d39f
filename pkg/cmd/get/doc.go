// Package get implements `kubectl karmada get`: kubectl's own get (printers,
// output formats, watch, chunking) run against the control plane's global proxy,
// or its search cache, so that one table shows the objects of every member
// cluster with a CLUSTER column.
package get
