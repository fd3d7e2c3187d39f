package resourceregistry

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	searchv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/search/v1alpha1"
)

func registry() *searchv1alpha1.ResourceRegistry {
	return &searchv1alpha1.ResourceRegistry{
		ObjectMeta: metav1.ObjectMeta{Name: "workloads", ResourceVersion: "7", Generation: 3, Labels: map[string]string{"team": "a"}},
		Spec: searchv1alpha1.ResourceRegistrySpec{
			ResourceSelectors: []searchv1alpha1.ResourceSelector{{APIVersion: "apps/v1", Kind: "Deployment"}},
		},
		Status: searchv1alpha1.ResourceRegistryStatus{Conditions: []metav1.Condition{
			{Type: "Ready", Status: metav1.ConditionTrue, Reason: "CacheSynced", LastTransitionTime: metav1.Now()},
		}},
	}
}

func TestStrategyPrepareForCreate(t *testing.T) {
	s := newStrategy(runtime.NewScheme())
	r := registry()
	s.PrepareForCreate(context.Background(), r)
	if len(r.Status.Conditions) != 0 || r.Generation != 1 {
		t.Errorf("after create: status %+v, generation %d; want no status, generation 1", r.Status, r.Generation)
	}
	if s.NamespaceScoped() {
		t.Error("registries must be cluster-scoped")
	}
	if w := s.WarningsOnCreate(context.Background(), r); w != nil {
		t.Errorf("warnings on create: %v", w)
	}
}

func TestStrategyPrepareForUpdate(t *testing.T) {
	tests := []struct {
		name           string
		status         bool // through the status subresource
		mutate         func(r *searchv1alpha1.ResourceRegistry)
		wantGeneration int64
		want           func(old, r *searchv1alpha1.ResourceRegistry) *searchv1alpha1.ResourceRegistry
	}{
		{
			name: "spec change bumps the generation and keeps the status",
			mutate: func(r *searchv1alpha1.ResourceRegistry) {
				r.Spec.ResourceSelectors[0].Kind = "StatefulSet"
				r.Status = searchv1alpha1.ResourceRegistryStatus{}
			},
			want: func(old, r *searchv1alpha1.ResourceRegistry) *searchv1alpha1.ResourceRegistry {
				want := r.DeepCopy()
				want.Status, want.Generation = old.Status, old.Generation+1
				return want
			},
		},
		{
			name:   "label change keeps the generation",
			mutate: func(r *searchv1alpha1.ResourceRegistry) { r.Labels = map[string]string{"team": "b"} },
			want: func(_, r *searchv1alpha1.ResourceRegistry) *searchv1alpha1.ResourceRegistry {
				return r.DeepCopy()
			},
		},
		{
			name:   "status update ignores spec, labels and annotations",
			status: true,
			mutate: func(r *searchv1alpha1.ResourceRegistry) {
				r.Spec.ResourceSelectors = nil
				r.Labels, r.Annotations = nil, map[string]string{"x": "y"}
				r.Status.Conditions[0].Status = metav1.ConditionFalse
			},
			want: func(old, r *searchv1alpha1.ResourceRegistry) *searchv1alpha1.ResourceRegistry {
				want := old.DeepCopy()
				want.Status = r.Status
				return want
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStrategy(runtime.NewScheme())
			old := registry()
			r := old.DeepCopy()
			tt.mutate(r)
			want := tt.want(old, r)
			if tt.status {
				statusStrategy{s}.PrepareForUpdate(context.Background(), r, old)
			} else {
				s.PrepareForUpdate(context.Background(), r, old)
			}
			if diff := cmp.Diff(want, r); diff != "" {
				t.Errorf("object after update (-want +got):\n%s", diff)
			}
			if w := s.WarningsOnUpdate(context.Background(), r, old); w != nil {
				t.Errorf("warnings on update: %v", w)
			}
		})
	}
}

func TestStrategyValidate(t *testing.T) {
	s := newStrategy(runtime.NewScheme())
	r := registry()
	r.Spec.ResourceSelectors = append(r.Spec.ResourceSelectors, searchv1alpha1.ResourceSelector{APIVersion: "a/b/c", Kind: "Pod"})
	errs := s.Validate(context.Background(), r)
	if len(errs) != 1 || errs[0].Field != "spec.resourceSelectors[1].apiVersion" {
		t.Errorf("create errors = %v, want one on spec.resourceSelectors[1].apiVersion", errs)
	}

	old := registry()
	bad := old.DeepCopy()
	bad.Status.Conditions[0].Reason = ""
	errs = statusStrategy{s}.ValidateUpdate(context.Background(), bad, old)
	if len(errs) != 1 || errs[0].Field != "status.conditions[0].reason" {
		t.Errorf("status errors = %v, want one on status.conditions[0].reason", errs)
	}
}
