package binding

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/event"

	workv1alpha2 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha2"
)

func TestBindingChangedIgnoresOwnSchedule(t *testing.T) {
	r := &Reconciler{}
	rb := func(generation int64) *workv1alpha2.ResourceBinding {
		return &workv1alpha2.ResourceBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web-deployment", UID: "u1", Generation: generation}}
	}
	changed := r.bindingChanged()
	update := func(from, to *workv1alpha2.ResourceBinding) bool {
		return changed.Update(event.UpdateEvent{ObjectOld: from, ObjectNew: to})
	}
	if !update(rb(1), rb(2)) {
		t.Fatal("a spec change is ignored")
	}
	r.rememberGeneration(object{Object: rb(2)})
	if update(rb(1), rb(2)) {
		t.Error("the generation the reconciler's own scheduling produced causes another reconcile")
	}
	if !update(rb(2), rb(3)) {
		t.Error("a later spec change is ignored")
	}
	relabelled := rb(2)
	relabelled.Labels = map[string]string{"a": "b"}
	if !update(rb(2), relabelled) {
		t.Error("a label change is ignored")
	}
	other := rb(2)
	other.UID = "u2"
	if !update(rb(1), other) {
		t.Error("a re-created binding with the same generation is ignored")
	}
	if update(rb(2), rb(2)) {
		t.Error("a status-only change causes a reconcile")
	}
}
