package resourceregistry

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	searchv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/search/v1alpha1"
)

func TestConvertToTable(t *testing.T) {
	created := metav1.NewTime(time.Now().Add(-3 * time.Hour))
	selectors := func(kinds ...string) []searchv1alpha1.ResourceSelector {
		var s []searchv1alpha1.ResourceSelector
		for _, k := range kinds {
			s = append(s, searchv1alpha1.ResourceSelector{APIVersion: "v1", Kind: k})
		}
		return s
	}
	tests := []struct {
		name string
		spec searchv1alpha1.ResourceRegistrySpec
		cond []metav1.Condition
		want []any
	}{
		{
			name: "named clusters, ready",
			spec: searchv1alpha1.ResourceRegistrySpec{
				TargetCluster:     searchv1alpha1.ClusterAffinity{ClusterNames: []string{"member1", "member2"}},
				ResourceSelectors: selectors("Pod", "Service"),
			},
			cond: []metav1.Condition{{Type: "Ready", Status: metav1.ConditionTrue}},
			want: []any{"r", "member1,member2", "Pod,Service", "True", "3h", "<none>"},
		},
		{
			name: "every cluster but one, kinds abbreviated, no condition yet",
			spec: searchv1alpha1.ResourceRegistrySpec{
				TargetCluster:     searchv1alpha1.ClusterAffinity{ExcludeClusters: []string{"member3"}},
				ResourceSelectors: append(selectors("Pod", "Service", "ConfigMap", "Secret", "Pod"), selectors("Event")...),
			},
			want: []any{"r", "all except member3", "Pod,Service,ConfigMap +2 more", "Unknown", "3h", "<none>"},
		},
		{
			name: "selected by labels, OpenSearch backend",
			spec: searchv1alpha1.ResourceRegistrySpec{
				TargetCluster:     searchv1alpha1.ClusterAffinity{LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}}},
				ResourceSelectors: selectors("Pod"),
				BackendStore: &searchv1alpha1.BackendStoreConfig{OpenSearch: &searchv1alpha1.OpenSearchConfig{
					Addresses: []string{"https://os:9200"}, SecretRef: clusterv1alpha1.LocalSecretReference{Namespace: "a", Name: "b"},
				}},
			},
			cond: []metav1.Condition{{Type: "Ready", Status: metav1.ConditionFalse}},
			want: []any{"r", "<selector>", "Pod", "False", "3h", "OpenSearch"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &searchv1alpha1.ResourceRegistry{
				ObjectMeta: metav1.ObjectMeta{Name: "r", CreationTimestamp: created},
				Spec:       tt.spec,
				Status:     searchv1alpha1.ResourceRegistryStatus{Conditions: tt.cond},
			}
			table, err := tableConvertor{}.ConvertToTable(context.Background(), r, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(table.Rows) != 1 {
				t.Fatalf("rows = %d, want 1", len(table.Rows))
			}
			if diff := cmp.Diff(tt.want, table.Rows[0].Cells); diff != "" {
				t.Errorf("cells (-want +got):\n%s", diff)
			}
			if len(table.ColumnDefinitions) != len(tt.want) {
				t.Errorf("%d columns for %d cells", len(table.ColumnDefinitions), len(tt.want))
			}
		})
	}
}

func TestConvertListToTable(t *testing.T) {
	list := &searchv1alpha1.ResourceRegistryList{
		ListMeta: metav1.ListMeta{ResourceVersion: "42", Continue: "next"},
		Items:    []searchv1alpha1.ResourceRegistry{{ObjectMeta: metav1.ObjectMeta{Name: "a"}}, {ObjectMeta: metav1.ObjectMeta{Name: "b"}}},
	}
	table, err := tableConvertor{}.ConvertToTable(context.Background(), list, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []any
	for _, row := range table.Rows {
		names = append(names, row.Cells[0])
	}
	if diff := cmp.Diff([]any{"a", "b"}, names); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	if table.ResourceVersion != "42" || table.Continue != "next" {
		t.Errorf("list metadata not carried: rv %q continue %q", table.ResourceVersion, table.Continue)
	}
	if _, err := (tableConvertor{}).ConvertToTable(context.Background(), &metav1.Status{}, nil); err == nil {
		t.Error("a Status printed as a registry table")
	}
}
