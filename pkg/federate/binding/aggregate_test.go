package binding

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/event"

	workv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha1"
	workv1alpha2 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha2"
)

func TestSettled(t *testing.T) {
	healthy := workv1alpha2.AggregatedStatusItem{ClusterName: "m1", Applied: true, Health: workv1alpha1.ResourceHealthy}
	starting := workv1alpha2.AggregatedStatusItem{ClusterName: "m2", Applied: true, Health: workv1alpha1.ResourceUnhealthy}
	pending := workv1alpha2.AggregatedStatusItem{ClusterName: "m3", Health: workv1alpha1.ResourceUnknown}
	failed := workv1alpha2.AggregatedStatusItem{ClusterName: "m3", AppliedMessage: "forbidden", Health: workv1alpha1.ResourceUnknown}
	tests := []struct {
		name  string
		items []workv1alpha2.AggregatedStatusItem
		want  bool
	}{
		{"no targets", nil, true},
		{"all healthy", []workv1alpha2.AggregatedStatusItem{healthy, healthy}, true},
		{"one still starting", []workv1alpha2.AggregatedStatusItem{healthy, starting}, false},
		{"one not applied yet", []workv1alpha2.AggregatedStatusItem{healthy, pending}, false},
		{"one failed to apply", []workv1alpha2.AggregatedStatusItem{healthy, failed}, true},
	}
	for _, tt := range tests {
		if got := settled(tt.items); got != tt.want {
			t.Errorf("%s: settled = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestWorkChanged(t *testing.T) {
	base := &workv1alpha1.Work{ObjectMeta: metav1.ObjectMeta{Name: "w", Generation: 1}}
	withStatus := base.DeepCopy()
	withStatus.Status.Conditions = []metav1.Condition{{Type: workv1alpha1.WorkApplied, Status: metav1.ConditionTrue}}
	respec := base.DeepCopy()
	respec.Generation = 2
	relabel := base.DeepCopy()
	relabel.Labels = map[string]string{"a": "b"}
	deleting := base.DeepCopy()
	now := metav1.Now()
	deleting.DeletionTimestamp = &now

	if workChanged.Create(event.CreateEvent{Object: base}) {
		t.Error("a Work's creation passes; the reconcile that created it already wrote the binding's status")
	}
	if !workChanged.Delete(event.DeleteEvent{Object: base}) {
		t.Error("a Work's deletion is filtered")
	}
	for name, tt := range map[string]struct {
		updated *workv1alpha1.Work
		want    bool
	}{
		"status": {withStatus, true}, "spec": {respec, true}, "deletion": {deleting, true}, "labels only": {relabel, false},
	} {
		if got := workChanged.Update(event.UpdateEvent{ObjectOld: base, ObjectNew: tt.updated}); got != tt.want {
			t.Errorf("%s: passes = %v, want %v", name, got, tt.want)
		}
	}
}
