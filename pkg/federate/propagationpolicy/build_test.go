package propagationpolicy

import (
	"github.com/fleetplane/fleetplane/internal/golden"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
)

var (
	deploymentGVK  = schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}
	configMapGVK   = schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}
	clusterRoleGVK = schema.GroupVersionKind{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "ClusterRole"}
)

func TestNew(t *testing.T) {
	web := Ref{GVK: deploymentGVK, Namespace: "default", Name: "web"}
	tests := []struct {
		name      string
		refs      []Ref
		placement Placement
		golden    string
	}{
		{name: "divided by weights", refs: []Ref{web}, golden: "divided-weights.yaml", placement: Placement{
			Clusters: []string{"member1", "member2"}, Mode: ReplicasDivided,
			Weights: map[string]int64{"member2": 2, "member1": 1},
		}},
		{name: "divided with default weights", refs: []Ref{web}, golden: "divided-equal.yaml", placement: Placement{
			Clusters: []string{"member2", "member1"}, Mode: ReplicasDivided,
		}},
		{name: "divided over every cluster", refs: []Ref{web}, golden: "divided-all-clusters.yaml", placement: Placement{
			Mode: ReplicasDivided,
		}},
		{name: "duplicated", refs: []Ref{web}, golden: "duplicated.yaml", placement: Placement{
			Clusters: []string{"member1"}, Mode: ReplicasDuplicated,
		}},
		{name: "several resources to every cluster", golden: "several.yaml",
			refs: []Ref{web, {GVK: configMapGVK, Namespace: "default", Name: "web-config"}}},
		{name: "cluster-scoped", golden: "cluster-scoped.yaml", placement: Placement{Clusters: []string{"member3"}},
			refs: []Ref{{GVK: clusterRoleGVK, Name: "reader"}}},
		{name: "cluster-scoped and namespaced", golden: "mixed.yaml", placement: Placement{Clusters: []string{"member3"}},
			refs: []Ref{{GVK: clusterRoleGVK, Name: "reader"}, web}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := "custom"
			if len(tt.refs) == 1 {
				name = DefaultName(tt.refs[0])
			}
			p := New(name, "default", tt.refs, policyv1alpha1.PropagationSpec{Placement: tt.placement.Build()})
			got, err := yaml.Marshal(p.Object)
			if err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, tt.golden, got)
		})
	}
}

func TestDefaultName(t *testing.T) {
	if got := DefaultName(Ref{GVK: deploymentGVK, Namespace: "default", Name: "web"}); got != "web-deployment" {
		t.Errorf("DefaultName() = %q, want web-deployment", got)
	}
}

func TestPolicyString(t *testing.T) {
	pp := New("web-deployment", "default", []Ref{{GVK: deploymentGVK, Namespace: "default", Name: "web"}}, policyv1alpha1.PropagationSpec{})
	cpp := New("reader-clusterrole", "default", []Ref{{GVK: clusterRoleGVK, Name: "reader"}}, policyv1alpha1.PropagationSpec{})
	for _, tt := range []struct {
		p    Policy
		want string
	}{
		{pp, "propagationpolicy default/web-deployment"},
		{cpp, "clusterpropagationpolicy reader-clusterrole"},
	} {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}
