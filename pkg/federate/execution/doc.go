// Package execution carries Works out to their member clusters and brings the
// members' answers back. For every Work in an execution namespace
// (karmada-es-<cluster>) it server-side applies the manifests to that member,
// refuses to take over objects someone else created there unless the manifest
// asks for it, reports each object's status and health in the Work's status, and
// removes (or, on request, releases) the objects when the Work is deleted.
//
// Everything is event-driven: per-member informers watch the objects the
// controller manages (label karmada.io/managed=true), so that a drifted or deleted
// object is put back and a status change reaches the Work within one round trip,
// without periodic re-applies. A member event leads to a new apply only when the
// object changed in a way an apply could correct.
package execution
