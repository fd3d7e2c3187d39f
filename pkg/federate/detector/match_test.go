package detector

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"

	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
)

func deployment(ns, name string, labels map[string]string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("apps/v1")
	u.SetKind("Deployment")
	u.SetNamespace(ns)
	u.SetName(name)
	u.SetLabels(labels)
	return u
}

func pp(ns, name string, prio *int32, preempt policyv1alpha1.PreemptionBehavior, sel ...policyv1alpha1.ResourceSelector) policyv1alpha1.PropagationPolicy {
	return policyv1alpha1.PropagationPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       policyv1alpha1.PropagationSpec{ResourceSelectors: sel, Priority: prio, Preemption: preempt},
	}
}

func cpp(name string, prio *int32, sel ...policyv1alpha1.ResourceSelector) policyv1alpha1.ClusterPropagationPolicy {
	return policyv1alpha1.ClusterPropagationPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       policyv1alpha1.PropagationSpec{ResourceSelectors: sel, Priority: prio},
	}
}

var (
	all    = policyv1alpha1.ResourceSelector{APIVersion: "apps/v1", Kind: "Deployment"}
	byName = policyv1alpha1.ResourceSelector{APIVersion: "apps/v1", Kind: "Deployment", Name: "nginx"}
	byApp  = policyv1alpha1.ResourceSelector{APIVersion: "apps/v1", Kind: "Deployment",
		LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "nginx"}}}
	services = policyv1alpha1.ResourceSelector{APIVersion: "v1", Kind: "Service"}
)

func TestChoosePrecedence(t *testing.T) {
	obj := deployment("default", "nginx", map[string]string{"app": "nginx"})
	tests := []struct {
		name    string
		pps     []policyv1alpha1.PropagationPolicy
		cpps    []policyv1alpha1.ClusterPropagationPolicy
		current string
		want    string
	}{
		{name: "nothing matches", pps: []policyv1alpha1.PropagationPolicy{pp("default", "svc", nil, "", services)}, want: ""},
		{name: "other namespace is ignored", pps: []policyv1alpha1.PropagationPolicy{pp("other", "all", nil, "", all)}, want: ""},
		{name: "name beats label beats all",
			pps:  []policyv1alpha1.PropagationPolicy{pp("default", "a-all", nil, "", all), pp("default", "b-label", nil, "", byApp), pp("default", "c-name", nil, "", byName)},
			want: "PropagationPolicy default/c-name"},
		{name: "explicit priority beats specificity",
			pps:  []policyv1alpha1.PropagationPolicy{pp("default", "name", nil, "", byName), pp("default", "prio", ptr.To[int32](5), "", all)},
			want: "PropagationPolicy default/prio"},
		{name: "PropagationPolicy beats ClusterPropagationPolicy",
			pps:  []policyv1alpha1.PropagationPolicy{pp("default", "z", nil, "", all)},
			cpps: []policyv1alpha1.ClusterPropagationPolicy{cpp("a", nil, all)},
			want: "PropagationPolicy default/z"},
		{name: "name order breaks ties",
			pps:  []policyv1alpha1.PropagationPolicy{pp("default", "b", nil, "", all), pp("default", "a", nil, "", all)},
			want: "PropagationPolicy default/a"},
		{name: "a claimed template stays with its policy",
			pps:     []policyv1alpha1.PropagationPolicy{pp("default", "name", nil, "", byName), pp("default", "old", nil, "", all)},
			current: "PropagationPolicy default/old",
			want:    "PropagationPolicy default/old"},
		{name: "higher priority with preemption takes over",
			pps:     []policyv1alpha1.PropagationPolicy{pp("default", "new", ptr.To[int32](10), policyv1alpha1.PreemptAlways, all), pp("default", "old", nil, "", all)},
			current: "PropagationPolicy default/old",
			want:    "PropagationPolicy default/new"},
		{name: "higher priority without preemption does not",
			pps:     []policyv1alpha1.PropagationPolicy{pp("default", "new", ptr.To[int32](10), policyv1alpha1.PreemptNever, all), pp("default", "old", nil, "", all)},
			current: "PropagationPolicy default/old",
			want:    "PropagationPolicy default/old"},
		{name: "a claim whose policy stopped matching moves",
			pps:     []policyv1alpha1.PropagationPolicy{pp("default", "b", nil, "", all)},
			current: "PropagationPolicy default/gone",
			want:    "PropagationPolicy default/b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			if c := Choose(Candidates(obj, tt.pps, tt.cpps), tt.current); c != nil {
				got = c.Key()
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("chosen policy (-want +got):\n%s", diff)
			}
		})
	}
}
