package overrides

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
)

func TestOverrideStringMap(t *testing.T) {
	current := map[string]string{"app": "nginx", "tier": "web"}
	tests := []struct {
		name        string
		current     map[string]string
		operator    policyv1alpha1.OverriderOperator
		value       map[string]string
		want        map[string]string
		wantChanged bool
		wantErr     string
	}{
		{
			name: "add sets new keys", current: current, operator: policyv1alpha1.OverriderOpAdd,
			value:       map[string]string{"env": "prod"},
			want:        map[string]string{"app": "nginx", "tier": "web", "env": "prod"},
			wantChanged: true,
		},
		{
			name: "add overwrites existing keys", current: current, operator: policyv1alpha1.OverriderOpAdd,
			value:       map[string]string{"tier": "edge"},
			want:        map[string]string{"app": "nginx", "tier": "edge"},
			wantChanged: true,
		},
		{
			name: "add to none", operator: policyv1alpha1.OverriderOpAdd,
			value:       map[string]string{"env": "prod"},
			want:        map[string]string{"env": "prod"},
			wantChanged: true,
		},
		{
			name: "add of the same value", current: current, operator: policyv1alpha1.OverriderOpAdd,
			value: map[string]string{"app": "nginx"},
			want:  current,
		},
		{
			name: "remove deletes keys whatever their value", current: current, operator: policyv1alpha1.OverriderOpRemove,
			value:       map[string]string{"tier": "ignored", "absent": ""},
			want:        map[string]string{"app": "nginx"},
			wantChanged: true,
		},
		{
			name: "remove of every key", current: current, operator: policyv1alpha1.OverriderOpRemove,
			value:       map[string]string{"app": "", "tier": ""},
			wantChanged: true,
		},
		{
			name: "remove of absent keys", current: current, operator: policyv1alpha1.OverriderOpRemove,
			value: map[string]string{"absent": ""},
			want:  current,
		},
		{
			name: "replace changes existing keys only", current: current, operator: policyv1alpha1.OverriderOpReplace,
			value:       map[string]string{"tier": "edge", "absent": "x"},
			want:        map[string]string{"app": "nginx", "tier": "edge"},
			wantChanged: true,
		},
		{
			name: "replace of absent keys", current: current, operator: policyv1alpha1.OverriderOpReplace,
			value: map[string]string{"absent": "x"},
			want:  current,
		},
		{
			name: "unsupported operator", current: current, operator: "merge",
			wantErr: `unsupported operator "merge"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := map[string]string{"app": "nginx", "tier": "web"}
			got, changed, err := overrideStringMap(tt.current, policyv1alpha1.LabelAnnotationOverrider{Operator: tt.operator, Value: tt.value})
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("overrideStringMap() error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("overrideStringMap() unexpected error: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("overrideStringMap() mismatch (-want +got):\n%s", diff)
			}
			if changed != tt.wantChanged {
				t.Errorf("changed = %v, want %v", changed, tt.wantChanged)
			}
			if diff := cmp.Diff(before, current); diff != "" {
				t.Errorf("input modified (-want +got):\n%s", diff)
			}
		})
	}
}
