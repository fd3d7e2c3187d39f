package clusteraffinity

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
)

func fieldSelector(key string, op corev1.NodeSelectorOperator, values ...string) *policyv1alpha1.FieldSelector {
	return &policyv1alpha1.FieldSelector{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: key, Operator: op, Values: values}}}
}

func TestClusterMatcher(t *testing.T) {
	clusters := []*clusterv1alpha1.Cluster{
		{ObjectMeta: metav1.ObjectMeta{Name: "a", Labels: map[string]string{"env": "prod"}},
			Spec: clusterv1alpha1.ClusterSpec{Provider: "aws", Region: "eu", Zone: "eu-1"}},
		{ObjectMeta: metav1.ObjectMeta{Name: "b", Labels: map[string]string{"env": "dev"}},
			Spec: clusterv1alpha1.ClusterSpec{Provider: "gcp", Region: "us", Zones: []string{"us-1", "us-2"}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "c"}, Spec: clusterv1alpha1.ClusterSpec{Region: "eu"}},
	}
	tests := []struct {
		name     string
		affinity *policyv1alpha1.ClusterAffinity
		want     []string
	}{
		{name: "nil affinity matches all", want: []string{"a", "b", "c"}},
		{name: "empty affinity matches all", affinity: &policyv1alpha1.ClusterAffinity{}, want: []string{"a", "b", "c"}},
		{
			name:     "cluster names",
			affinity: &policyv1alpha1.ClusterAffinity{ClusterNames: []string{"a", "c", "missing"}},
			want:     []string{"a", "c"},
		},
		{
			name:     "exclude",
			affinity: &policyv1alpha1.ClusterAffinity{ExcludeClusters: []string{"b"}},
			want:     []string{"a", "c"},
		},
		{
			name:     "exclude wins over names",
			affinity: &policyv1alpha1.ClusterAffinity{ClusterNames: []string{"a", "b"}, ExcludeClusters: []string{"a"}},
			want:     []string{"b"},
		},
		{
			name:     "label selector",
			affinity: &policyv1alpha1.ClusterAffinity{LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}}},
			want:     []string{"a"},
		},
		{
			name: "label selector expression",
			affinity: &policyv1alpha1.ClusterAffinity{LabelSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "env", Operator: metav1.LabelSelectorOpExists},
			}}},
			want: []string{"a", "b"},
		},
		{
			name:     "empty label selector matches all",
			affinity: &policyv1alpha1.ClusterAffinity{LabelSelector: &metav1.LabelSelector{}},
			want:     []string{"a", "b", "c"},
		},
		{
			name:     "labels and names both apply",
			affinity: &policyv1alpha1.ClusterAffinity{ClusterNames: []string{"b", "c"}, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"env": "dev"}}},
			want:     []string{"b"},
		},
		{
			name:     "provider in",
			affinity: &policyv1alpha1.ClusterAffinity{FieldSelector: fieldSelector("provider", corev1.NodeSelectorOpIn, "aws", "azure")},
			want:     []string{"a"},
		},
		{
			name:     "region not in",
			affinity: &policyv1alpha1.ClusterAffinity{FieldSelector: fieldSelector("region", corev1.NodeSelectorOpNotIn, "us")},
			want:     []string{"a", "c"},
		},
		{
			name:     "zone in matches spec.zone",
			affinity: &policyv1alpha1.ClusterAffinity{FieldSelector: fieldSelector("zone", corev1.NodeSelectorOpIn, "eu-1")},
			want:     []string{"a"},
		},
		{
			name:     "zone in matches any of spec.zones",
			affinity: &policyv1alpha1.ClusterAffinity{FieldSelector: fieldSelector("zone", corev1.NodeSelectorOpIn, "us-2")},
			want:     []string{"b"},
		},
		{
			name:     "zone not in excludes a cluster with one listed zone",
			affinity: &policyv1alpha1.ClusterAffinity{FieldSelector: fieldSelector("zone", corev1.NodeSelectorOpNotIn, "us-2")},
			want:     []string{"a", "c"},
		},
		{
			name:     "zone exists",
			affinity: &policyv1alpha1.ClusterAffinity{FieldSelector: fieldSelector("zone", corev1.NodeSelectorOpExists)},
			want:     []string{"a", "b"},
		},
		{
			name:     "provider does not exist",
			affinity: &policyv1alpha1.ClusterAffinity{FieldSelector: fieldSelector("provider", corev1.NodeSelectorOpDoesNotExist)},
			want:     []string{"c"},
		},
		{
			name: "all field expressions must match",
			affinity: &policyv1alpha1.ClusterAffinity{FieldSelector: &policyv1alpha1.FieldSelector{MatchExpressions: []corev1.NodeSelectorRequirement{
				{Key: "region", Operator: corev1.NodeSelectorOpIn, Values: []string{"eu"}},
				{Key: "provider", Operator: corev1.NodeSelectorOpExists},
			}}},
			want: []string{"a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := New(tt.affinity)
			if err != nil {
				t.Fatalf("New() error = %v", err)
			}
			var got []string
			for _, c := range clusters {
				if m.Matches(c) {
					got = append(got, c.Name)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("matching clusters (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewClusterMatcherErrors(t *testing.T) {
	tests := []struct {
		name     string
		affinity *policyv1alpha1.ClusterAffinity
		wantErr  string
	}{
		{
			name:     "unknown field key",
			affinity: &policyv1alpha1.ClusterAffinity{FieldSelector: fieldSelector("city", corev1.NodeSelectorOpIn, "x")},
			wantErr:  `unsupported key "city"`,
		},
		{
			name:     "numeric operator",
			affinity: &policyv1alpha1.ClusterAffinity{FieldSelector: fieldSelector("zone", corev1.NodeSelectorOpGt, "1")},
			wantErr:  `unsupported operator "Gt"`,
		},
		{
			name:     "in without values",
			affinity: &policyv1alpha1.ClusterAffinity{FieldSelector: fieldSelector("zone", corev1.NodeSelectorOpIn)},
			wantErr:  "needs values",
		},
		{
			name:     "exists with values",
			affinity: &policyv1alpha1.ClusterAffinity{FieldSelector: fieldSelector("zone", corev1.NodeSelectorOpExists, "x")},
			wantErr:  "takes no values",
		},
		{
			name: "bad label selector",
			affinity: &policyv1alpha1.ClusterAffinity{LabelSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "env", Operator: "Near"},
			}}},
			wantErr: "labelSelector:",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.affinity)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("New() error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}
