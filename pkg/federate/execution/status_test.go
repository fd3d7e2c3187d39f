package execution

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	workv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha1"
)

func raw(s string) *runtime.RawExtension { return &runtime.RawExtension{Raw: []byte(s)} }

func TestStatusEqual(t *testing.T) {
	id := workv1alpha1.ResourceIdentifier{Version: "v1", Kind: "ConfigMap", Resource: "configmaps", Name: "c"}
	cond := metav1.Condition{Type: "Applied", Status: metav1.ConditionTrue, Reason: "R", Message: "m",
		LastTransitionTime: metav1.NewTime(time.Unix(100, 0))}
	base := workv1alpha1.WorkStatus{
		Conditions:       []metav1.Condition{cond},
		ManifestStatuses: []workv1alpha1.ManifestStatus{{Identifier: id, Status: raw(`{"a":1,"b":[1,2]}`), Health: healthy}},
	}
	tests := []struct {
		name   string
		mutate func(*workv1alpha1.WorkStatus)
		want   bool
	}{
		{name: "same", mutate: func(*workv1alpha1.WorkStatus) {}, want: true},
		{name: "status encoded differently", want: true, mutate: func(s *workv1alpha1.WorkStatus) {
			s.ManifestStatuses[0].Status = raw(`{ "b": [1, 2], "a": 1 }`)
		}},
		{name: "status changed", want: false, mutate: func(s *workv1alpha1.WorkStatus) {
			s.ManifestStatuses[0].Status = raw(`{"a":2,"b":[1,2]}`)
		}},
		{name: "status dropped", want: false, mutate: func(s *workv1alpha1.WorkStatus) { s.ManifestStatuses[0].Status = nil }},
		{name: "health changed", want: false, mutate: func(s *workv1alpha1.WorkStatus) { s.ManifestStatuses[0].Health = unhealthy }},
		{name: "identifier changed", want: false, mutate: func(s *workv1alpha1.WorkStatus) { s.ManifestStatuses[0].Identifier.Ordinal = 1 }},
		{name: "manifest added", want: false, mutate: func(s *workv1alpha1.WorkStatus) {
			s.ManifestStatuses = append(s.ManifestStatuses, workv1alpha1.ManifestStatus{Identifier: id})
		}},
		{name: "condition message changed", want: false, mutate: func(s *workv1alpha1.WorkStatus) { s.Conditions[0].Message = "n" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			other := base.DeepCopy()
			tt.mutate(other)
			if got := statusEqual(&base, other); got != tt.want {
				t.Errorf("statusEqual() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNewStatus(t *testing.T) {
	deploy := &desired{ordinal: 1, id: workv1alpha1.ResourceIdentifier{
		Ordinal: 1, Group: "apps", Version: "v1", Kind: "Deployment", Resource: "deployments", Namespace: "shop", Name: "web",
	}}
	ns := &desired{ordinal: 0, ensureOnly: true, id: workv1alpha1.ResourceIdentifier{
		Version: "v1", Kind: "Namespace", Resource: "namespaces", Name: "shop",
	}}
	liveDeploy := object("apps/v1", "Deployment", 1, map[string]any{
		"spec":   map[string]any{"replicas": int64(1)},
		"status": map[string]any{"observedGeneration": int64(1), "readyReplicas": int64(1), "updatedReplicas": int64(1)},
	})
	liveNS := object("v1", "Namespace", 0, map[string]any{"status": map[string]any{"phase": "Active"}})
	previous := workv1alpha1.ManifestStatus{Identifier: deploy.id, Status: raw(`{"readyReplicas":0}`), Health: unhealthy}
	conflict := &ConflictError{Kind: "Deployment", Namespace: "shop", Name: "web", Cluster: "member1"}

	tests := []struct {
		name         string
		current      workv1alpha1.WorkStatus
		outcomes     []outcome
		suspended    bool
		wantStatuses []workv1alpha1.ManifestStatus
		wantConds    []metav1.Condition
	}{
		{
			name:     "applied and healthy",
			outcomes: []outcome{{d: ns, live: liveNS}, {d: deploy, live: liveDeploy}},
			wantStatuses: []workv1alpha1.ManifestStatus{
				{Identifier: ns.id, Status: raw(`{"phase":"Active"}`), Health: healthy},
				{Identifier: deploy.id, Status: raw(`{"observedGeneration":1,"readyReplicas":1,"updatedReplicas":1}`), Health: healthy},
			},
			wantConds: []metav1.Condition{
				{Type: "Dispatching", Status: "True", Reason: ReasonDispatching, Message: "the manifests are applied to member1"},
				{Type: "Applied", Status: "True", Reason: ReasonAppliedSuccessful, Message: "2 manifest(s) applied to member1"},
				{Type: "Available", Status: "True", Reason: ReasonHealthy, Message: "every object is healthy"},
			},
		},
		{
			name:     "conflict reports no status for the object in the way",
			current:  workv1alpha1.WorkStatus{ManifestStatuses: []workv1alpha1.ManifestStatus{previous}},
			outcomes: []outcome{{d: ns, live: liveNS}, {d: deploy, err: conflict}},
			wantStatuses: []workv1alpha1.ManifestStatus{
				{Identifier: ns.id, Status: raw(`{"phase":"Active"}`), Health: healthy},
			},
			wantConds: []metav1.Condition{
				{Type: "Dispatching", Status: "True", Reason: ReasonDispatching, Message: "the manifests are applied to member1"},
				{Type: "Applied", Status: "False", Reason: ReasonConflict, Message: conflict.Error()},
				{Type: "Available", Status: "Unknown", Reason: ReasonHealthUnknown, Message: "the objects of 1 of 2 manifest(s) are not known yet"},
			},
		},
		{
			name:         "a failed apply keeps the previous status",
			current:      workv1alpha1.WorkStatus{ManifestStatuses: []workv1alpha1.ManifestStatus{previous}},
			outcomes:     []outcome{{d: deploy, err: errors.New("applying Deployment shop/web: connection refused")}},
			wantStatuses: []workv1alpha1.ManifestStatus{previous},
			wantConds: []metav1.Condition{
				{Type: "Dispatching", Status: "True", Reason: ReasonDispatching, Message: "the manifests are applied to member1"},
				{Type: "Applied", Status: "False", Reason: ReasonAppliedFailed, Message: "applying Deployment shop/web: connection refused"},
				{Type: "Available", Status: "False", Reason: ReasonUnhealthy, Message: "unhealthy: Deployment web"},
			},
		},
		{
			name: "suspended leaves Applied alone",
			current: workv1alpha1.WorkStatus{Conditions: []metav1.Condition{
				{Type: "Applied", Status: "True", Reason: ReasonAppliedSuccessful, Message: "earlier"},
			}},
			suspended: true,
			outcomes:  []outcome{{d: deploy}},
			wantConds: []metav1.Condition{
				{Type: "Applied", Status: "True", Reason: ReasonAppliedSuccessful, Message: "earlier"},
				{Type: "Dispatching", Status: "False", Reason: ReasonSuspended, Message: "spec.suspendDispatching is true: the manifests are not applied to member1"},
				{Type: "Available", Status: "Unknown", Reason: ReasonHealthUnknown, Message: "the objects of 1 of 1 manifest(s) are not known yet"},
			},
		},
		{
			name:     "undecodable manifest",
			outcomes: []outcome{{err: errors.New("manifest 0: invalid manifest: the manifest is empty")}},
			wantConds: []metav1.Condition{
				{Type: "Dispatching", Status: "True", Reason: ReasonDispatching, Message: "the manifests are applied to member1"},
				{Type: "Applied", Status: "False", Reason: ReasonAppliedFailed, Message: "manifest 0: invalid manifest: the manifest is empty"},
				{Type: "Available", Status: "Unknown", Reason: ReasonHealthUnknown, Message: "the objects of 1 of 1 manifest(s) are not known yet"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := newStatus(&tt.current, 0, "member1", tt.outcomes, tt.suspended)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantStatuses, got.ManifestStatuses, cmp.Comparer(func(a, b *runtime.RawExtension) bool { return rawEqual(a, b) })); diff != "" {
				t.Errorf("manifest statuses mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantConds, got.Conditions, cmpopts.IgnoreFields(metav1.Condition{}, "LastTransitionTime")); diff != "" {
				t.Errorf("conditions mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestManifestStatusWithoutStatus(t *testing.T) {
	live := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "data": map[string]any{}}}
	got, err := manifestStatus(workv1alpha1.ResourceIdentifier{Kind: "ConfigMap"}, live)
	if err != nil {
		t.Fatal(err)
	}
	want := workv1alpha1.ManifestStatus{Identifier: workv1alpha1.ResourceIdentifier{Kind: "ConfigMap"}, Health: healthy}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("manifestStatus() mismatch (-want +got):\n%s", diff)
	}
}
