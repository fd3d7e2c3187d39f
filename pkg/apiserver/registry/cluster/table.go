package cluster

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
)

// tableConvertor prints clusters the way `kubectl get clusters` shows them in Karmada:
// name, Kubernetes version, sync mode, readiness and age, plus the endpoint in -o wide.
type tableConvertor struct{}

var columns = []metav1.TableColumnDefinition{
	{Name: "Name", Type: "string", Format: "name", Description: "Name of the member cluster."},
	{Name: "Version", Type: "string", Description: "Kubernetes version of the member."},
	{Name: "Mode", Type: "string", Description: "How workloads reach the member: Push or Pull."},
	{Name: "Ready", Type: "string", Description: "Status of the Ready condition."},
	{Name: "Age", Type: "string", Description: "Time since the cluster was registered."},
	{Name: "APIEndpoint", Type: "string", Priority: 1, Description: "URL of the member's apiserver."},
	{Name: "Taints", Type: "string", Priority: 1, Description: "Taints of the cluster."},
}

func (tableConvertor) ConvertToTable(_ context.Context, obj runtime.Object, _ runtime.Object) (*metav1.Table, error) {
	table := &metav1.Table{ColumnDefinitions: columns}
	if m, err := meta.ListAccessor(obj); err == nil {
		table.ResourceVersion = m.GetResourceVersion()
		table.Continue = m.GetContinue()
		table.RemainingItemCount = m.GetRemainingItemCount()
	}
	add := func(c *clusterv1alpha1.Cluster) {
		ready := "Unknown"
		if cond := meta.FindStatusCondition(c.Status.Conditions, clusterv1alpha1.ClusterConditionReady); cond != nil {
			ready = string(cond.Status)
		}
		taints := "<none>"
		if n := len(c.Spec.Taints); n > 0 {
			taints = fmt.Sprintf("%d", n)
		}
		table.Rows = append(table.Rows, metav1.TableRow{
			Object: runtime.RawExtension{Object: c},
			Cells: []any{c.Name, c.Status.KubernetesVersion, string(c.Spec.SyncMode), ready,
				duration.HumanDuration(time.Since(c.CreationTimestamp.Time)), c.Spec.APIEndpoint, taints},
		})
	}
	switch t := obj.(type) {
	case *clusterv1alpha1.Cluster:
		add(t)
	case *clusterv1alpha1.ClusterList:
		for i := range t.Items {
			add(&t.Items[i])
		}
	default:
		return nil, fmt.Errorf("cannot print %T as a table", obj)
	}
	return table, nil
}
