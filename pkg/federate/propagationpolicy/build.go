package propagationpolicy

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
)

// NewScheme returns a scheme with the client-go types, Clusters and the policy types.
func NewScheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		clientgoscheme.AddToScheme, clusterv1alpha1.AddToScheme, policyv1alpha1.AddToScheme,
	} {
		if err := add(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// ReplicaMode is how the replicas of a workload are spread over the chosen clusters.
type ReplicaMode string

const (
	// ReplicasUnset writes no replicaScheduling: the scheduler's default applies,
	// which gives every cluster all replicas.
	ReplicasUnset ReplicaMode = ""
	// ReplicasDuplicated gives every cluster all replicas.
	ReplicasDuplicated ReplicaMode = "Duplicated"
	// ReplicasDivided splits the replicas by static weights.
	ReplicasDivided ReplicaMode = "Divided"
)

// Placement says where the selected resources go.
type Placement struct {
	// Clusters are the member clusters, in the order given. Empty means every
	// cluster: no cluster affinity is written.
	Clusters []string
	// Mode spreads the replicas of workloads.
	Mode ReplicaMode
	// Weights are the static weights of Divided, by cluster. A cluster of
	// Clusters without a weight gets 1; empty Weights with every cluster writes
	// no weight list, which weighs all clusters equally. With every cluster and
	// Weights, the clusters without a weight get no replicas.
	Weights map[string]int64
}

// Build returns the policy placement.
func (p Placement) Build() policyv1alpha1.Placement {
	var out policyv1alpha1.Placement
	if len(p.Clusters) > 0 {
		out.ClusterAffinity = &policyv1alpha1.ClusterAffinity{ClusterNames: slices.Clone(p.Clusters)}
	}
	switch p.Mode {
	case ReplicasDuplicated:
		out.ReplicaScheduling = &policyv1alpha1.ReplicaSchedulingStrategy{
			ReplicaSchedulingType: policyv1alpha1.ReplicaSchedulingTypeDuplicated,
		}
	case ReplicasDivided:
		rs := &policyv1alpha1.ReplicaSchedulingStrategy{
			ReplicaSchedulingType:     policyv1alpha1.ReplicaSchedulingTypeDivided,
			ReplicaDivisionPreference: policyv1alpha1.ReplicaDivisionPreferenceWeighted,
		}
		if weights := p.staticWeights(); len(weights) > 0 {
			rs.WeightPreference = &policyv1alpha1.ClusterPreferences{StaticWeightList: weights}
		}
		out.ReplicaScheduling = rs
	}
	return out
}

// staticWeights lists a weight per cluster: in the order of Clusters, or by name
// when the placement is every cluster.
func (p Placement) staticWeights() []policyv1alpha1.StaticClusterWeight {
	names := p.Clusters
	if len(names) == 0 {
		names = slices.Sorted(maps.Keys(p.Weights))
	}
	var out []policyv1alpha1.StaticClusterWeight
	for _, name := range names {
		w, ok := p.Weights[name]
		if !ok {
			w = 1
		}
		out = append(out, policyv1alpha1.StaticClusterWeight{
			TargetCluster: policyv1alpha1.ClusterAffinity{ClusterNames: []string{name}},
			Weight:        w,
		})
	}
	return out
}

// DefaultName names the policy of a single resource: NAME-KIND in lower case, as
// Karmada names that resource's binding.
func DefaultName(r Ref) string {
	return r.Name + "-" + strings.ToLower(r.GVK.Kind)
}

// ValidateName checks a policy name.
func ValidateName(name string) error {
	if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
		return fmt.Errorf("invalid policy name %q: %s", name, errs[0])
	}
	return nil
}

// Policy is a PropagationPolicy or a ClusterPropagationPolicy, with its spec at hand.
type Policy struct {
	client.Object
	Spec *policyv1alpha1.PropagationSpec
}

// Empty returns an empty PropagationPolicy, or ClusterPropagationPolicy when cluster is true.
func Empty(cluster bool) Policy {
	if cluster {
		p := &policyv1alpha1.ClusterPropagationPolicy{}
		p.SetGroupVersionKind(policyv1alpha1.SchemeGroupVersion.WithKind(policyv1alpha1.ResourceKindClusterPropagationPolicy))
		return Policy{Object: p, Spec: &p.Spec}
	}
	p := &policyv1alpha1.PropagationPolicy{}
	p.SetGroupVersionKind(policyv1alpha1.SchemeGroupVersion.WithKind(policyv1alpha1.ResourceKindPropagationPolicy))
	return Policy{Object: p, Spec: &p.Spec}
}

// Cluster reports whether p is a ClusterPropagationPolicy.
func (p Policy) Cluster() bool {
	_, ok := p.Object.(*policyv1alpha1.ClusterPropagationPolicy)
	return ok
}

// String names the policy for messages: "propagationpolicy default/web-deployment".
func (p Policy) String() string {
	if p.Cluster() {
		return "clusterpropagationpolicy " + p.GetName()
	}
	return "propagationpolicy " + p.GetNamespace() + "/" + p.GetName()
}

// New returns the policy name that selects exactly refs, with spec's other fields
// (its resource selectors are replaced). It is a PropagationPolicy in namespace
// when every ref lives there, and a ClusterPropagationPolicy, whose selectors of
// namespaced resources carry their namespace, when any ref is cluster-scoped or in
// another namespace.
func New(name, namespace string, refs []Ref, spec policyv1alpha1.PropagationSpec) Policy {
	cluster := slices.ContainsFunc(refs, func(r Ref) bool { return r.Namespace != namespace || !r.Namespaced() })
	p := Empty(cluster)
	p.SetName(name)
	if !cluster {
		p.SetNamespace(namespace)
	}
	*p.Spec = spec
	p.Spec.ResourceSelectors = Selectors(refs, cluster)
	return p
}

// Selectors returns one selector per ref, by API version, kind and name. Selectors
// of a cluster-wide policy also name the namespace of namespaced resources.
func Selectors(refs []Ref, clusterWide bool) []policyv1alpha1.ResourceSelector {
	out := make([]policyv1alpha1.ResourceSelector, 0, len(refs))
	for _, r := range refs {
		s := policyv1alpha1.ResourceSelector{APIVersion: r.APIVersion(), Kind: r.GVK.Kind, Name: r.Name}
		if clusterWide {
			s.Namespace = r.Namespace
		}
		out = append(out, s)
	}
	return out
}
