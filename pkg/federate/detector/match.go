package detector

import (
	"cmp"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"

	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
)

// Specificity ranks how precisely a selector names a template: a name beats a label
// selector, which beats selecting every object of the kind.
type Specificity int

const (
	NoMatch Specificity = iota
	MatchAll
	MatchLabelSelector
	MatchName
)

// Candidate is a policy that matches a template.
type Candidate struct {
	// Namespace is empty for a ClusterPropagationPolicy.
	Namespace   string
	Name        string
	Cluster     bool
	UID         string
	Priority    int32
	Preemption  policyv1alpha1.PreemptionBehavior
	Specificity Specificity
	Spec        *policyv1alpha1.PropagationSpec
}

// Key identifies the policy of a candidate.
func (c *Candidate) Key() string {
	if c.Cluster {
		return "ClusterPropagationPolicy " + c.Name
	}
	return "PropagationPolicy " + c.Namespace + "/" + c.Name
}

// SelectorSpecificity returns how a selector matches obj, or NoMatch.
func SelectorSpecificity(s policyv1alpha1.ResourceSelector, obj *unstructured.Unstructured) Specificity {
	if s.APIVersion != obj.GetAPIVersion() || s.Kind != obj.GetKind() {
		return NoMatch
	}
	if s.Namespace != "" && s.Namespace != obj.GetNamespace() {
		return NoMatch
	}
	if s.Name != "" {
		if s.Name != obj.GetName() {
			return NoMatch
		}
		return MatchName
	}
	if s.LabelSelector != nil {
		sel, err := metav1.LabelSelectorAsSelector(s.LabelSelector)
		if err != nil || !sel.Matches(labels.Set(obj.GetLabels())) {
			return NoMatch
		}
		return MatchLabelSelector
	}
	return MatchAll
}

// bestSpecificity is the most precise match among a policy's selectors.
func bestSpecificity(selectors []policyv1alpha1.ResourceSelector, obj *unstructured.Unstructured) Specificity {
	best := NoMatch
	for _, s := range selectors {
		best = max(best, SelectorSpecificity(s, obj))
	}
	return best
}

// Candidates returns the policies that match obj. A PropagationPolicy only selects
// templates of its own namespace; a ClusterPropagationPolicy selects any.
func Candidates(obj *unstructured.Unstructured, pps []policyv1alpha1.PropagationPolicy, cpps []policyv1alpha1.ClusterPropagationPolicy) []Candidate {
	var out []Candidate
	for i := range pps {
		p := &pps[i]
		if p.DeletionTimestamp != nil || p.Namespace != obj.GetNamespace() {
			continue
		}
		// A PropagationPolicy's selectors are confined to its namespace.
		if s := bestSpecificity(p.Spec.ResourceSelectors, obj); s != NoMatch {
			out = append(out, Candidate{Namespace: p.Namespace, Name: p.Name, UID: string(p.UID), Priority: priority(&p.Spec),
				Preemption: p.Spec.Preemption, Specificity: s, Spec: &p.Spec})
		}
	}
	for i := range cpps {
		p := &cpps[i]
		if p.DeletionTimestamp != nil {
			continue
		}
		if s := bestSpecificity(p.Spec.ResourceSelectors, obj); s != NoMatch {
			out = append(out, Candidate{Name: p.Name, Cluster: true, UID: string(p.UID), Priority: priority(&p.Spec),
				Preemption: p.Spec.Preemption, Specificity: s, Spec: &p.Spec})
		}
	}
	slices.SortFunc(out, compareCandidates)
	return out
}

func priority(spec *policyv1alpha1.PropagationSpec) int32 {
	if spec.Priority == nil {
		return 0
	}
	return *spec.Priority
}

// compareCandidates orders candidates best first: explicit priority, then
// specificity, then PropagationPolicy over ClusterPropagationPolicy, then name.
func compareCandidates(a, b Candidate) int {
	if c := cmp.Compare(b.Priority, a.Priority); c != 0 {
		return c
	}
	if c := cmp.Compare(b.Specificity, a.Specificity); c != 0 {
		return c
	}
	if a.Cluster != b.Cluster {
		if !a.Cluster {
			return -1
		}
		return 1
	}
	return cmp.Compare(a.Namespace+"/"+a.Name, b.Namespace+"/"+b.Name)
}

// Choose picks the policy that claims a template. current is the key of the policy
// that claims it now ("" if none). A claimed template stays with its policy while
// that policy still matches, unless a candidate with a higher explicit priority and
// preemption Always takes it over.
func Choose(candidates []Candidate, current string) *Candidate {
	if len(candidates) == 0 {
		return nil
	}
	best := &candidates[0]
	if current == "" || best.Key() == current {
		return best
	}
	for i := range candidates {
		c := &candidates[i]
		if c.Key() != current {
			continue
		}
		if best.Preemption == policyv1alpha1.PreemptAlways && best.Priority > c.Priority {
			return best
		}
		return c
	}
	// The current policy no longer matches: the best candidate claims it.
	return best
}
