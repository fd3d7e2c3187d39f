// Package subresource serves the status subresource of a type kept in etcd through
// the generic registry. Every served type with a status needs the same few methods
// over a copy of its main store (read the object, write it through a strategy that
// only lets the status change), so they live here once rather than per type.
package subresource
