package overrides

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
)

func TestResourceMatches(t *testing.T) {
	namespaceManifest := `
apiVersion: v1
kind: Namespace
metadata:
  name: team-a
`
	tests := []struct {
		name            string
		template        string
		selectors       []policyv1alpha1.ResourceSelector
		policyNamespace string
		want            bool
		wantErr         string
	}{
		{name: "no selectors match the policy's namespace", template: deploymentManifest, policyNamespace: "default", want: true},
		{name: "no selectors never leave the policy's namespace", template: deploymentManifest, policyNamespace: "other"},
		{name: "no selectors of a cluster policy match everything", template: namespaceManifest, want: true},
		{name: "namespaced policies never match cluster-scoped templates", template: namespaceManifest, policyNamespace: "default"},
		{
			name:            "kind",
			template:        deploymentManifest,
			selectors:       []policyv1alpha1.ResourceSelector{{APIVersion: "apps/v1", Kind: "Deployment"}},
			policyNamespace: "default",
			want:            true,
		},
		{
			name:      "other kind",
			template:  deploymentManifest,
			selectors: []policyv1alpha1.ResourceSelector{{APIVersion: "apps/v1", Kind: "StatefulSet"}},
		},
		{
			name:      "other apiVersion",
			template:  deploymentManifest,
			selectors: []policyv1alpha1.ResourceSelector{{APIVersion: "apps/v1beta1", Kind: "Deployment"}},
		},
		{
			name:     "any selector",
			template: deploymentManifest,
			selectors: []policyv1alpha1.ResourceSelector{
				{APIVersion: "v1", Kind: "Service"},
				{APIVersion: "apps/v1", Kind: "Deployment", Name: "nginx"},
			},
			want: true,
		},
		{
			name:      "other name",
			template:  deploymentManifest,
			selectors: []policyv1alpha1.ResourceSelector{{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"}},
		},
		{
			name:     "name wins over the label selector",
			template: deploymentManifest,
			selectors: []policyv1alpha1.ResourceSelector{{
				APIVersion: "apps/v1", Kind: "Deployment", Name: "nginx",
				LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			}},
			want: true,
		},
		{
			name:     "matching labels",
			template: deploymentManifest,
			selectors: []policyv1alpha1.ResourceSelector{{
				APIVersion: "apps/v1", Kind: "Deployment",
				LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "nginx"}},
			}},
			want: true,
		},
		{
			name:     "other labels",
			template: deploymentManifest,
			selectors: []policyv1alpha1.ResourceSelector{{
				APIVersion: "apps/v1", Kind: "Deployment",
				LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			}},
		},
		{
			name:      "selector namespace",
			template:  deploymentManifest,
			selectors: []policyv1alpha1.ResourceSelector{{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "default"}},
			want:      true,
		},
		{
			name:      "other selector namespace",
			template:  deploymentManifest,
			selectors: []policyv1alpha1.ResourceSelector{{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "kube-system"}},
		},
		{
			name:            "a namespaced policy cannot select another namespace",
			template:        deploymentManifest,
			selectors:       []policyv1alpha1.ResourceSelector{{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "default"}},
			policyNamespace: "team-a",
		},
		{
			name:     "invalid label selector",
			template: deploymentManifest,
			selectors: []policyv1alpha1.ResourceSelector{{
				APIVersion: "apps/v1", Kind: "Deployment",
				LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "not a value"}},
			}},
			wantErr: "resourceSelectors[0]: labelSelector: ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ResourceMatches(object(t, tt.template), tt.selectors, tt.policyNamespace)
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("ResourceMatches() error = %v, want prefix %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ResourceMatches() unexpected error: %v", err)
			}
			if got != tt.want {
				t.Errorf("ResourceMatches() = %v, want %v", got, tt.want)
			}
		})
	}
}

func labelsRule(cluster string, labels map[string]string) policyv1alpha1.RuleWithCluster {
	return policyv1alpha1.RuleWithCluster{
		TargetCluster: &policyv1alpha1.ClusterAffinity{ClusterNames: []string{cluster}},
		Overriders: policyv1alpha1.Overriders{LabelsOverrider: []policyv1alpha1.LabelAnnotationOverrider{
			{Operator: policyv1alpha1.OverriderOpAdd, Value: labels},
		}},
	}
}

func TestSelect(t *testing.T) {
	forMember1 := labelsRule("member1", map[string]string{"rule": "member1"})
	forMember2 := labelsRule("member2", map[string]string{"rule": "member2"})
	everywhere := policyv1alpha1.Overriders{AnnotationsOverrider: []policyv1alpha1.LabelAnnotationOverrider{
		{Operator: policyv1alpha1.OverriderOpAdd, Value: map[string]string{"everywhere": "yes"}},
	}}
	clusterPolicies := []policyv1alpha1.ClusterOverridePolicy{
		{
			ObjectMeta: metav1.ObjectMeta{Name: "b-cop"},
			Spec:       policyv1alpha1.OverrideSpec{OverrideRules: []policyv1alpha1.RuleWithCluster{forMember2, forMember1}},
		},
		{
			// The deprecated form, with no targetCluster.
			ObjectMeta: metav1.ObjectMeta{Name: "a-cop"},
			Spec:       policyv1alpha1.OverrideSpec{Overriders: everywhere},
		},
		{
			// No rules at all.
			ObjectMeta: metav1.ObjectMeta{Name: "empty"},
			Spec:       policyv1alpha1.OverrideSpec{TargetCluster: &policyv1alpha1.ClusterAffinity{}},
		},
		{
			ObjectMeta: metav1.ObjectMeta{Name: "services-only"},
			Spec: policyv1alpha1.OverrideSpec{
				ResourceSelectors: []policyv1alpha1.ResourceSelector{{APIVersion: "v1", Kind: "Service"}},
				Overriders:        everywhere,
			},
		},
	}
	policies := []policyv1alpha1.OverridePolicy{
		{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "z-op"}, Spec: policyv1alpha1.OverrideSpec{Overriders: everywhere}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "other", Name: "a-op"}, Spec: policyv1alpha1.OverrideSpec{Overriders: everywhere}},
		{
			ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "m-op"},
			Spec:       policyv1alpha1.OverrideSpec{OverrideRules: []policyv1alpha1.RuleWithCluster{forMember1}},
		},
		{
			// The deprecated form, with a targetCluster.
			ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "member2-only"},
			Spec: policyv1alpha1.OverrideSpec{
				TargetCluster: &policyv1alpha1.ClusterAffinity{ClusterNames: []string{"member2"}},
				Overriders:    everywhere,
			},
		},
	}
	tests := []struct {
		name    string
		cluster string
		want    []Selection
	}{
		{
			name:    "member1",
			cluster: "member1",
			want: []Selection{
				{Kind: "ClusterOverridePolicy", Name: "a-cop", Rules: []SelectedRule{{Field: "overriders", Overriders: everywhere}}},
				{Kind: "ClusterOverridePolicy", Name: "b-cop", Rules: []SelectedRule{{Field: "overrideRules[1].overriders", Overriders: forMember1.Overriders}}},
				{Kind: "OverridePolicy", Namespace: "default", Name: "m-op", Rules: []SelectedRule{{Field: "overrideRules[0].overriders", Overriders: forMember1.Overriders}}},
				{Kind: "OverridePolicy", Namespace: "default", Name: "z-op", Rules: []SelectedRule{{Field: "overriders", Overriders: everywhere}}},
			},
		},
		{
			name:    "member2",
			cluster: "member2",
			want: []Selection{
				{Kind: "ClusterOverridePolicy", Name: "a-cop", Rules: []SelectedRule{{Field: "overriders", Overriders: everywhere}}},
				{Kind: "ClusterOverridePolicy", Name: "b-cop", Rules: []SelectedRule{{Field: "overrideRules[0].overriders", Overriders: forMember2.Overriders}}},
				{Kind: "OverridePolicy", Namespace: "default", Name: "member2-only", Rules: []SelectedRule{{Field: "overriders", Overriders: everywhere}}},
				{Kind: "OverridePolicy", Namespace: "default", Name: "z-op", Rules: []SelectedRule{{Field: "overriders", Overriders: everywhere}}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cluster := memberCluster(tt.cluster, nil, clusterv1alpha1.ClusterSpec{})
			got, err := Select(deployment(t), cluster, clusterPolicies, policies)
			if err != nil {
				t.Fatalf("Select() unexpected error: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Select() mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if policies[0].Name != "z-op" || clusterPolicies[0].Name != "b-cop" {
		t.Errorf("Select() reordered its arguments")
	}
}

func TestSelectionString(t *testing.T) {
	tests := []struct {
		name string
		sel  Selection
		want string
	}{
		{name: "namespaced", sel: Selection{Kind: "OverridePolicy", Namespace: "default", Name: "nginx-op"}, want: "overridepolicy default/nginx-op"},
		{name: "cluster", sel: Selection{Kind: "ClusterOverridePolicy", Name: "mirror"}, want: "clusteroverridepolicy mirror"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.sel.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSelectNeedsTemplateAndCluster(t *testing.T) {
	tests := []struct {
		name     string
		template *unstructured.Unstructured
		cluster  *clusterv1alpha1.Cluster
	}{
		{name: "no template", cluster: memberCluster("member1", nil, clusterv1alpha1.ClusterSpec{})},
		{name: "no cluster", template: &unstructured.Unstructured{Object: map[string]interface{}{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Select(tt.template, tt.cluster, nil, nil); err == nil {
				t.Error("Select() succeeded, want an error")
			}
		})
	}
}
