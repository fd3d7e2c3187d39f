package overrides

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
)

// containerField returns the command or args of the named container of obj,
// and whether the field is set.
func containerField(obj *unstructured.Unstructured, name, field string) ([]interface{}, bool) {
	for _, c := range containers(obj) {
		if c.fields["name"] == name {
			v, ok := c.fields[field]
			items, _ := v.([]interface{})
			return items, ok
		}
	}
	return nil, false
}

func TestApplyCommandArgs(t *testing.T) {
	tests := []struct {
		name      string
		field     string
		overrider policyv1alpha1.CommandArgsOverrider
		container string
		want      []interface{}
		wantSet   bool
		wantErr   string
	}{
		{
			name:      "command add appends",
			field:     "command",
			overrider: policyv1alpha1.CommandArgsOverrider{ContainerName: "nginx", Operator: policyv1alpha1.OverriderOpAdd, Value: []string{"--cluster=member1"}},
			container: "nginx",
			want:      []interface{}{"nginx", "-g", "daemon off;", "--cluster=member1"},
			wantSet:   true,
		},
		{
			name:      "command remove deletes every listed item",
			field:     "command",
			overrider: policyv1alpha1.CommandArgsOverrider{ContainerName: "nginx", Operator: policyv1alpha1.OverriderOpRemove, Value: []string{"-g", "daemon off;", "absent"}},
			container: "nginx",
			want:      []interface{}{"nginx"},
			wantSet:   true,
		},
		{
			name:      "args add creates the list",
			field:     "args",
			overrider: policyv1alpha1.CommandArgsOverrider{ContainerName: "sidecar", Operator: policyv1alpha1.OverriderOpAdd, Value: []string{"--v=2", "--log=json"}},
			container: "sidecar",
			want:      []interface{}{"--v=2", "--log=json"},
			wantSet:   true,
		},
		{
			name:      "args remove without args",
			field:     "args",
			overrider: policyv1alpha1.CommandArgsOverrider{ContainerName: "sidecar", Operator: policyv1alpha1.OverriderOpRemove, Value: []string{"--v=2"}},
			container: "sidecar",
		},
		{
			name:      "init container",
			field:     "args",
			overrider: policyv1alpha1.CommandArgsOverrider{ContainerName: "init", Operator: policyv1alpha1.OverriderOpAdd, Value: []string{"--once"}},
			container: "init",
			want:      []interface{}{"--once"},
			wantSet:   true,
		},
		{
			name:      "empty value leaves the command alone",
			field:     "command",
			overrider: policyv1alpha1.CommandArgsOverrider{ContainerName: "nginx", Operator: policyv1alpha1.OverriderOpRemove},
			container: "nginx",
			want:      []interface{}{"nginx", "-g", "daemon off;"},
			wantSet:   true,
		},
		{
			name:      "unknown container is left alone",
			field:     "command",
			overrider: policyv1alpha1.CommandArgsOverrider{ContainerName: "web", Operator: policyv1alpha1.OverriderOpAdd, Value: []string{"--x"}},
			container: "nginx",
			want:      []interface{}{"nginx", "-g", "daemon off;"},
			wantSet:   true,
		},
		{
			name:      "unsupported operator",
			field:     "command",
			overrider: policyv1alpha1.CommandArgsOverrider{ContainerName: "nginx", Operator: policyv1alpha1.OverriderOpReplace, Value: []string{"--x"}},
			wantErr:   `unsupported operator "replace"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := deployment(t)
			err := applyCommandArgs(obj, tt.field, tt.overrider)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("applyCommandArgs() error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("applyCommandArgs() unexpected error: %v", err)
			}
			got, set := containerField(obj, tt.container, tt.field)
			if set != tt.wantSet {
				t.Errorf("%s set = %v, want %v", tt.field, set, tt.wantSet)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", tt.field, diff)
			}
		})
	}
}

func TestApplyCommandArgsErrors(t *testing.T) {
	obj := object(t, `{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: c, image: nginx, command: "nginx -g"}]}}`)
	o := policyv1alpha1.CommandArgsOverrider{ContainerName: "c", Operator: policyv1alpha1.OverriderOpAdd, Value: []string{"--x"}}
	want := "path /spec/containers/0/command: holds a string, not an array"
	if err := applyCommandArgs(obj, "command", o); err == nil || err.Error() != want {
		t.Errorf("applyCommandArgs() error = %v, want %q", err, want)
	}
}
