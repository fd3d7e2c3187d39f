// Package detector turns resource templates into bindings. It watches every resource
// type the control plane serves (CRDs included, found by discovery) together with
// PropagationPolicies and ClusterPropagationPolicies, picks the policy that claims
// each template with Karmada's precedence, labels the template with its claim, and
// keeps a ResourceBinding (ClusterResourceBinding for cluster-scoped templates) with
// the template's reference, replicas, per-replica requests and the policy's placement.
package detector
