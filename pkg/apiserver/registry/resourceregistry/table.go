package resourceregistry

import (
	"context"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/apimachinery/pkg/util/sets"

	searchv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/search/v1alpha1"
)

// readyCondition is the condition the search controller sets once the cache holds
// what the registry asks for.
const readyCondition = "Ready"

// maxListed is how many cluster names or kinds a cell lists before it abbreviates.
const maxListed = 3

// tableConvertor prints registries for `kubectl get resourceregistries`: which
// clusters, which kinds, whether the cache is ready, and the age; -o wide adds the
// backend store.
type tableConvertor struct{}

var columns = []metav1.TableColumnDefinition{
	{Name: "Name", Type: "string", Format: "name", Description: "Name of the registry."},
	{Name: "Clusters", Type: "string", Description: "Clusters whose resources are cached: their names, <selector>, or all; minus the excluded ones."},
	{Name: "Resources", Type: "string", Description: "Kinds of the cached resources."},
	{Name: "Ready", Type: "string", Description: "Status of the Ready condition."},
	{Name: "Age", Type: "string", Description: "Time since the registry was created."},
	{Name: "Backend", Type: "string", Priority: 1, Description: "Store the cached objects are indexed into; <none> for the in-memory cache only."},
}

func (tableConvertor) ConvertToTable(_ context.Context, obj runtime.Object, _ runtime.Object) (*metav1.Table, error) {
	table := &metav1.Table{ColumnDefinitions: columns}
	if m, err := meta.ListAccessor(obj); err == nil {
		table.ResourceVersion = m.GetResourceVersion()
		table.Continue = m.GetContinue()
		table.RemainingItemCount = m.GetRemainingItemCount()
	}
	switch t := obj.(type) {
	case *searchv1alpha1.ResourceRegistry:
		table.Rows = append(table.Rows, row(t))
	case *searchv1alpha1.ResourceRegistryList:
		for i := range t.Items {
			table.Rows = append(table.Rows, row(&t.Items[i]))
		}
	default:
		return nil, fmt.Errorf("cannot print %T as a table", obj)
	}
	return table, nil
}

func row(r *searchv1alpha1.ResourceRegistry) metav1.TableRow {
	ready := string(metav1.ConditionUnknown)
	if cond := meta.FindStatusCondition(r.Status.Conditions, readyCondition); cond != nil {
		ready = string(cond.Status)
	}
	backend := "<none>"
	if r.Spec.BackendStore != nil && r.Spec.BackendStore.OpenSearch != nil {
		backend = "OpenSearch"
	}
	return metav1.TableRow{
		Object: runtime.RawExtension{Object: r},
		Cells: []any{r.Name, clusters(&r.Spec.TargetCluster), kinds(r.Spec.ResourceSelectors), ready,
			duration.HumanDuration(time.Since(r.CreationTimestamp.Time)), backend},
	}
}

// clusters summarizes a target: the named clusters, "<selector>" when only
// selectors choose, or "all"; then the excluded clusters.
func clusters(target *searchv1alpha1.ClusterAffinity) string {
	var s string
	switch {
	case len(target.ClusterNames) > 0:
		s = abbreviate(target.ClusterNames)
	case target.LabelSelector != nil && (len(target.LabelSelector.MatchLabels) > 0 || len(target.LabelSelector.MatchExpressions) > 0),
		target.FieldSelector != nil && len(target.FieldSelector.MatchExpressions) > 0:
		s = "<selector>"
	default:
		s = "all"
	}
	if len(target.ExcludeClusters) > 0 {
		s += " except " + abbreviate(target.ExcludeClusters)
	}
	return s
}

// kinds lists the selected kinds once each, in the order of the selectors.
func kinds(selectors []searchv1alpha1.ResourceSelector) string {
	seen := sets.New[string]()
	var list []string
	for _, s := range selectors {
		if !seen.Has(s.Kind) {
			seen.Insert(s.Kind)
			list = append(list, s.Kind)
		}
	}
	return abbreviate(list)
}

// abbreviate joins the first maxListed items with commas and counts the rest.
func abbreviate(items []string) string {
	if len(items) <= maxListed {
		return strings.Join(items, ",")
	}
	return fmt.Sprintf("%s +%d more", strings.Join(items[:maxListed], ","), len(items)-maxListed)
}
