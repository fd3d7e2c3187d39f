package overrides

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
)

func fields(key string, op corev1.NodeSelectorOperator, values ...string) *policyv1alpha1.FieldSelector {
	return &policyv1alpha1.FieldSelector{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: key, Operator: op, Values: values}}}
}

func TestClusterMatches(t *testing.T) {
	member1 := memberCluster("member1", map[string]string{"env": "prod"}, clusterv1alpha1.ClusterSpec{
		Provider: "aws", Region: "eu-west-1", Zones: []string{"eu-west-1a", "eu-west-1b"},
	})
	bare := memberCluster("bare", nil, clusterv1alpha1.ClusterSpec{})
	oldZone := memberCluster("old", nil, clusterv1alpha1.ClusterSpec{Zone: "old-zone"})
	tests := []struct {
		name     string
		affinity *policyv1alpha1.ClusterAffinity
		cluster  *clusterv1alpha1.Cluster
		want     bool
		wantErr  string
	}{
		{name: "nil matches every cluster", cluster: member1, want: true},
		{name: "empty matches every cluster", affinity: &policyv1alpha1.ClusterAffinity{}, cluster: member1, want: true},
		{name: "listed name", affinity: &policyv1alpha1.ClusterAffinity{ClusterNames: []string{"member2", "member1"}}, cluster: member1, want: true},
		{name: "unlisted name", affinity: &policyv1alpha1.ClusterAffinity{ClusterNames: []string{"member2"}}, cluster: member1},
		{name: "excluded", affinity: &policyv1alpha1.ClusterAffinity{ExcludeClusters: []string{"member1"}}, cluster: member1},
		{
			name:     "exclude wins over names",
			affinity: &policyv1alpha1.ClusterAffinity{ClusterNames: []string{"member1"}, ExcludeClusters: []string{"member1"}},
			cluster:  member1,
		},
		{
			name:     "matching labels",
			affinity: &policyv1alpha1.ClusterAffinity{LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}}},
			cluster:  member1,
			want:     true,
		},
		{
			name:     "other labels",
			affinity: &policyv1alpha1.ClusterAffinity{LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"env": "dev"}}},
			cluster:  member1,
		},
		{
			name: "names and labels must both match",
			affinity: &policyv1alpha1.ClusterAffinity{
				ClusterNames:  []string{"member1"},
				LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"env": "dev"}},
			},
			cluster: member1,
		},
		{name: "provider In", affinity: &policyv1alpha1.ClusterAffinity{FieldSelector: fields("provider", corev1.NodeSelectorOpIn, "gcp", "aws")}, cluster: member1, want: true},
		{name: "provider NotIn", affinity: &policyv1alpha1.ClusterAffinity{FieldSelector: fields("provider", corev1.NodeSelectorOpNotIn, "aws")}, cluster: member1},
		{name: "unset provider is not In", affinity: &policyv1alpha1.ClusterAffinity{FieldSelector: fields("provider", corev1.NodeSelectorOpIn, "aws")}, cluster: bare},
		{name: "unset provider is NotIn", affinity: &policyv1alpha1.ClusterAffinity{FieldSelector: fields("provider", corev1.NodeSelectorOpNotIn, "aws")}, cluster: bare, want: true},
		{name: "region In", affinity: &policyv1alpha1.ClusterAffinity{FieldSelector: fields("region", corev1.NodeSelectorOpIn, "eu-west-1")}, cluster: member1, want: true},
		{name: "region not In", affinity: &policyv1alpha1.ClusterAffinity{FieldSelector: fields("region", corev1.NodeSelectorOpIn, "us-east-1")}, cluster: member1},
		{name: "any zone In", affinity: &policyv1alpha1.ClusterAffinity{FieldSelector: fields("zone", corev1.NodeSelectorOpIn, "eu-west-1b", "eu-west-1c")}, cluster: member1, want: true},
		{name: "no zone In", affinity: &policyv1alpha1.ClusterAffinity{FieldSelector: fields("zone", corev1.NodeSelectorOpIn, "us-east-1a")}, cluster: member1},
		{name: "no zones are not In", affinity: &policyv1alpha1.ClusterAffinity{FieldSelector: fields("zone", corev1.NodeSelectorOpIn, "eu-west-1a")}, cluster: bare},
		{name: "deprecated zone In", affinity: &policyv1alpha1.ClusterAffinity{FieldSelector: fields("zone", corev1.NodeSelectorOpIn, "old-zone")}, cluster: oldZone, want: true},
		{name: "one zone listed is not NotIn", affinity: &policyv1alpha1.ClusterAffinity{FieldSelector: fields("zone", corev1.NodeSelectorOpNotIn, "eu-west-1b")}, cluster: member1},
		{name: "no zone listed is NotIn", affinity: &policyv1alpha1.ClusterAffinity{FieldSelector: fields("zone", corev1.NodeSelectorOpNotIn, "us-east-1a")}, cluster: member1, want: true},
		{name: "region Exists", affinity: &policyv1alpha1.ClusterAffinity{FieldSelector: fields("region", corev1.NodeSelectorOpExists)}, cluster: member1, want: true},
		{name: "unset region does not exist", affinity: &policyv1alpha1.ClusterAffinity{FieldSelector: fields("region", corev1.NodeSelectorOpDoesNotExist)}, cluster: bare, want: true},
		{name: "zones exist", affinity: &policyv1alpha1.ClusterAffinity{FieldSelector: fields("zone", corev1.NodeSelectorOpDoesNotExist)}, cluster: member1},
		{
			name: "every expression must match",
			affinity: &policyv1alpha1.ClusterAffinity{FieldSelector: &policyv1alpha1.FieldSelector{MatchExpressions: []corev1.NodeSelectorRequirement{
				{Key: "provider", Operator: corev1.NodeSelectorOpIn, Values: []string{"aws"}},
				{Key: "region", Operator: corev1.NodeSelectorOpIn, Values: []string{"us-east-1"}},
			}}},
			cluster: member1,
		},
		{
			name:     "unsupported key",
			affinity: &policyv1alpha1.ClusterAffinity{FieldSelector: fields("color", corev1.NodeSelectorOpIn, "blue")},
			cluster:  member1,
			wantErr:  `fieldSelector.matchExpressions[0]: unsupported key "color": want "provider", "region" or "zone"`,
		},
		{
			name:     "unsupported operator",
			affinity: &policyv1alpha1.ClusterAffinity{FieldSelector: fields("region", corev1.NodeSelectorOpGt, "1")},
			cluster:  member1,
			wantErr:  `fieldSelector.matchExpressions[0]: unsupported operator "Gt": want "In", "NotIn", "Exists" or "DoesNotExist"`,
		},
		{
			name:     "In without values",
			affinity: &policyv1alpha1.ClusterAffinity{FieldSelector: fields("region", corev1.NodeSelectorOpIn)},
			cluster:  member1,
			wantErr:  `fieldSelector.matchExpressions[0]: operator "In" on "region" needs values`,
		},
		{
			name: "invalid label selector",
			affinity: &policyv1alpha1.ClusterAffinity{LabelSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "env", Operator: "Sometimes"},
			}}},
			cluster: member1,
			wantErr: `labelSelector: "Sometimes" is not a valid label selector operator`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ClusterMatches(tt.affinity, tt.cluster)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("ClusterMatches() error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ClusterMatches() unexpected error: %v", err)
			}
			if got != tt.want {
				t.Errorf("ClusterMatches() = %v, want %v", got, tt.want)
			}
		})
	}
}
