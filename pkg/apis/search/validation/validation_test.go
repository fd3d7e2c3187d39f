package validation

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	searchv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/search/v1alpha1"
)

func validRegistry() *searchv1alpha1.ResourceRegistry {
	return &searchv1alpha1.ResourceRegistry{
		ObjectMeta: metav1.ObjectMeta{Name: "workloads"},
		Spec: searchv1alpha1.ResourceRegistrySpec{
			TargetCluster: searchv1alpha1.ClusterAffinity{ClusterNames: []string{"member1", "member2"}},
			ResourceSelectors: []searchv1alpha1.ResourceSelector{
				{APIVersion: "apps/v1", Kind: "Deployment"},
				{APIVersion: "v1", Kind: "Pod", Namespace: "default"},
			},
		},
	}
}

func openSearch() *searchv1alpha1.BackendStoreConfig {
	return &searchv1alpha1.BackendStoreConfig{OpenSearch: &searchv1alpha1.OpenSearchConfig{
		Addresses: []string{"https://opensearch.example.com:9200", "http://10.0.0.1:9200"},
		SecretRef: clusterv1alpha1.LocalSecretReference{Namespace: "karmada-system", Name: "opensearch"},
	}}
}

func TestValidateResourceRegistry(t *testing.T) {
	type registry = searchv1alpha1.ResourceRegistry
	tests := []struct {
		name   string
		mutate func(r *registry)
		want   []string // "type field" of each error
	}{
		{name: "valid", mutate: func(*registry) {}},
		{name: "every cluster", mutate: func(r *registry) { r.Spec.TargetCluster = searchv1alpha1.ClusterAffinity{} }},
		{name: "custom resource type", mutate: func(r *registry) {
			r.Spec.ResourceSelectors[0] = searchv1alpha1.ResourceSelector{APIVersion: "policy.karmada.io/v1alpha1", Kind: "PropagationPolicy"}
		}},
		{name: "same kind in two namespaces", mutate: func(r *registry) {
			r.Spec.ResourceSelectors = append(r.Spec.ResourceSelectors, searchv1alpha1.ResourceSelector{APIVersion: "v1", Kind: "Pod", Namespace: "kube-system"})
		}},
		{name: "valid selectors and backend", mutate: func(r *registry) {
			r.Spec.TargetCluster = searchv1alpha1.ClusterAffinity{
				LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}},
				FieldSelector: &searchv1alpha1.FieldSelector{MatchExpressions: []corev1.NodeSelectorRequirement{
					{Key: "region", Operator: corev1.NodeSelectorOpIn, Values: []string{"us-east-1"}},
					{Key: "provider", Operator: corev1.NodeSelectorOpNotIn, Values: []string{"gcp"}},
				}},
				ExcludeClusters: []string{"member3"},
			}
			r.Spec.BackendStore = openSearch()
		}},
		{name: "empty backend store", mutate: func(r *registry) { r.Spec.BackendStore = &searchv1alpha1.BackendStoreConfig{} }},

		{name: "name not a DNS subdomain", mutate: func(r *registry) { r.Name = "Work_loads" },
			want: []string{"FieldValueInvalid metadata.name"}},
		{name: "namespaced", mutate: func(r *registry) { r.Namespace = "default" },
			want: []string{"FieldValueForbidden metadata.namespace"}},
		{name: "no resource selectors", mutate: func(r *registry) { r.Spec.ResourceSelectors = nil },
			want: []string{"FieldValueRequired spec.resourceSelectors"}},
		{name: "missing apiVersion", mutate: func(r *registry) { r.Spec.ResourceSelectors[1].APIVersion = "" },
			want: []string{"FieldValueRequired spec.resourceSelectors[1].apiVersion"}},
		{name: "apiVersion with too many slashes", mutate: func(r *registry) { r.Spec.ResourceSelectors[1].APIVersion = "apps/v1/x" },
			want: []string{"FieldValueInvalid spec.resourceSelectors[1].apiVersion"}},
		{name: "apiVersion without version", mutate: func(r *registry) { r.Spec.ResourceSelectors[1].APIVersion = "apps/" },
			want: []string{"FieldValueInvalid spec.resourceSelectors[1].apiVersion"}},
		{name: "apiVersion with a bad group", mutate: func(r *registry) { r.Spec.ResourceSelectors[0].APIVersion = "Apps_/v1" },
			want: []string{"FieldValueInvalid spec.resourceSelectors[0].apiVersion"}},
		{name: "missing kind", mutate: func(r *registry) { r.Spec.ResourceSelectors[0].Kind = "" },
			want: []string{"FieldValueRequired spec.resourceSelectors[0].kind"}},
		{name: "lower-case kind", mutate: func(r *registry) { r.Spec.ResourceSelectors[0].Kind = "deployment" },
			want: []string{"FieldValueInvalid spec.resourceSelectors[0].kind"}},
		{name: "kind with punctuation", mutate: func(r *registry) { r.Spec.ResourceSelectors[0].Kind = "Deploy-ment" },
			want: []string{"FieldValueInvalid spec.resourceSelectors[0].kind"}},
		{name: "bad namespace", mutate: func(r *registry) { r.Spec.ResourceSelectors[1].Namespace = "Default" },
			want: []string{"FieldValueInvalid spec.resourceSelectors[1].namespace"}},
		{name: "duplicate selector", mutate: func(r *registry) {
			r.Spec.ResourceSelectors = append(r.Spec.ResourceSelectors, r.Spec.ResourceSelectors[0])
		}, want: []string{"FieldValueDuplicate spec.resourceSelectors[2]"}},
		{name: "bad label selector", mutate: func(r *registry) {
			r.Spec.TargetCluster.LabelSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "env", Operator: "Near", Values: []string{"prod"}},
			}}
		}, want: []string{"FieldValueInvalid spec.targetCluster.labelSelector.matchExpressions[0].operator"}},
		{name: "field selector on an unknown field", mutate: func(r *registry) {
			r.Spec.TargetCluster.FieldSelector = &searchv1alpha1.FieldSelector{MatchExpressions: []corev1.NodeSelectorRequirement{
				{Key: "zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"a"}},
				{Key: "color", Operator: corev1.NodeSelectorOpIn, Values: []string{"blue"}},
			}}
		}, want: []string{"FieldValueNotSupported spec.targetCluster.fieldSelector.matchExpressions[1].key"}},
		{name: "field selector with Exists and no values", mutate: func(r *registry) {
			r.Spec.TargetCluster.FieldSelector = &searchv1alpha1.FieldSelector{MatchExpressions: []corev1.NodeSelectorRequirement{
				{Key: "region", Operator: corev1.NodeSelectorOpExists},
			}}
		}, want: []string{
			"FieldValueNotSupported spec.targetCluster.fieldSelector.matchExpressions[0].operator",
			"FieldValueRequired spec.targetCluster.fieldSelector.matchExpressions[0].values",
		}},
		{name: "bad cluster name", mutate: func(r *registry) { r.Spec.TargetCluster.ClusterNames[1] = "Member_2" },
			want: []string{"FieldValueInvalid spec.targetCluster.clusterNames[1]"}},
		{name: "duplicate cluster name", mutate: func(r *registry) { r.Spec.TargetCluster.ClusterNames[1] = "member1" },
			want: []string{"FieldValueDuplicate spec.targetCluster.clusterNames[1]"}},
		{name: "bad and duplicate excluded clusters", mutate: func(r *registry) {
			r.Spec.TargetCluster.ExcludeClusters = []string{"member3", "", "member3"}
		}, want: []string{"FieldValueInvalid spec.targetCluster.exclude[1]", "FieldValueDuplicate spec.targetCluster.exclude[2]"}},
		{name: "openSearch without addresses", mutate: func(r *registry) {
			r.Spec.BackendStore = openSearch()
			r.Spec.BackendStore.OpenSearch.Addresses = nil
		}, want: []string{"FieldValueRequired spec.backendStore.openSearch.addresses"}},
		{name: "openSearch with bad addresses", mutate: func(r *registry) {
			r.Spec.BackendStore = openSearch()
			r.Spec.BackendStore.OpenSearch.Addresses = []string{"https://ok:9200", "ftp://node:21", "https://", "::"}
		}, want: []string{
			"FieldValueInvalid spec.backendStore.openSearch.addresses[1]",
			"FieldValueInvalid spec.backendStore.openSearch.addresses[2]",
			"FieldValueInvalid spec.backendStore.openSearch.addresses[3]",
		}},
		{name: "openSearch without secret", mutate: func(r *registry) {
			r.Spec.BackendStore = openSearch()
			r.Spec.BackendStore.OpenSearch.SecretRef = clusterv1alpha1.LocalSecretReference{}
		}, want: []string{
			"FieldValueRequired spec.backendStore.openSearch.secretRef.namespace",
			"FieldValueRequired spec.backendStore.openSearch.secretRef.name",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := validRegistry()
			tt.mutate(r)
			if diff := cmp.Diff(tt.want, summarize(ValidateResourceRegistry(r))); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateResourceRegistryUpdate(t *testing.T) {
	type registry = searchv1alpha1.ResourceRegistry
	tests := []struct {
		name   string
		mutate func(r *registry)
		want   []string
	}{
		{name: "spec change", mutate: func(r *registry) { r.Spec.ResourceSelectors = r.Spec.ResourceSelectors[:1] }},
		{name: "invalid spec", mutate: func(r *registry) { r.Spec.ResourceSelectors[0].Kind = "" },
			want: []string{"FieldValueRequired spec.resourceSelectors[0].kind"}},
		{name: "rename", mutate: func(r *registry) { r.Name = "other" },
			want: []string{"FieldValueInvalid metadata.name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := validRegistry()
			old.ResourceVersion = "1"
			r := old.DeepCopy()
			tt.mutate(r)
			if diff := cmp.Diff(tt.want, summarize(ValidateResourceRegistryUpdate(r, old))); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateResourceRegistryStatusUpdate(t *testing.T) {
	now := metav1.Now()
	tests := []struct {
		name       string
		conditions []metav1.Condition
		want       []string
	}{
		{name: "ready", conditions: []metav1.Condition{
			{Type: "Ready", Status: metav1.ConditionTrue, Reason: "CacheSynced", LastTransitionTime: now},
		}},
		{name: "condition without reason", conditions: []metav1.Condition{
			{Type: "Ready", Status: metav1.ConditionTrue, LastTransitionTime: now},
		}, want: []string{"FieldValueRequired status.conditions[0].reason"}},
		{name: "bad condition status", conditions: []metav1.Condition{
			{Type: "Ready", Status: "Maybe", Reason: "Syncing", LastTransitionTime: now},
		}, want: []string{"FieldValueNotSupported status.conditions[0].status"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := validRegistry()
			old.ResourceVersion = "1"
			r := old.DeepCopy()
			r.Status.Conditions = tt.conditions
			if diff := cmp.Diff(tt.want, summarize(ValidateResourceRegistryStatusUpdate(r, old))); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

// summarize renders each error as "type field", without the message.
func summarize(errs []*field.Error) []string {
	var got []string
	for _, e := range errs {
		got = append(got, strings.TrimSpace(string(e.Type)+" "+e.Field))
	}
	return got
}
