package overrides

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
)

func TestApplyPlaintext(t *testing.T) {
	const manifest = `
apiVersion: v1
kind: Service
metadata:
  name: web
  labels:
    app: web
spec:
  ports:
  - port: 80
  type: ClusterIP
`
	tests := []struct {
		name       string
		overriders []policyv1alpha1.PlaintextOverrider
		want       string
		wantErr    string
		notFound   bool
	}{
		{
			name: "add, replace and remove in order",
			overriders: []policyv1alpha1.PlaintextOverrider{
				{Path: "/metadata/labels/env", Operator: policyv1alpha1.OverriderOpAdd, Value: rawJSON(`"prod"`)},
				{Path: "/spec/type", Operator: policyv1alpha1.OverriderOpReplace, Value: rawJSON(`"LoadBalancer"`)},
				{Path: "/spec/ports/-", Operator: policyv1alpha1.OverriderOpAdd, Value: rawJSON(`{"port": 443}`)},
				{Path: "/metadata/labels/app", Operator: policyv1alpha1.OverriderOpRemove},
			},
			want: `
apiVersion: v1
kind: Service
metadata:
  name: web
  labels:
    env: prod
spec:
  ports:
  - port: 80
  - port: 443
  type: LoadBalancer
`,
		},
		{
			name: "escaped pointer tokens",
			overriders: []policyv1alpha1.PlaintextOverrider{
				{Path: "/metadata/labels/example.com~1tier", Operator: policyv1alpha1.OverriderOpAdd, Value: rawJSON(`"gold"`)},
			},
			want: `
apiVersion: v1
kind: Service
metadata:
  name: web
  labels:
    app: web
    example.com/tier: gold
spec:
  ports:
  - port: 80
  type: ClusterIP
`,
		},
		{
			name: "replace of a missing field",
			overriders: []policyv1alpha1.PlaintextOverrider{
				{Path: "/spec/type", Operator: policyv1alpha1.OverriderOpReplace, Value: rawJSON(`"NodePort"`)},
				{Path: "/spec/foo", Operator: policyv1alpha1.OverriderOpReplace, Value: rawJSON(`1`)},
			},
			wantErr:  "plaintext[1]: path /spec/foo: not found",
			notFound: true,
		},
		{
			name:       "remove of a missing field",
			overriders: []policyv1alpha1.PlaintextOverrider{{Path: "/metadata/annotations/x", Operator: policyv1alpha1.OverriderOpRemove}},
			wantErr:    "plaintext[0]: path /metadata/annotations/x: not found",
			notFound:   true,
		},
		{
			name:       "add under a missing parent",
			overriders: []policyv1alpha1.PlaintextOverrider{{Path: "/metadata/annotations/x", Operator: policyv1alpha1.OverriderOpAdd, Value: rawJSON(`"y"`)}},
			wantErr:    "plaintext[0]: path /metadata/annotations/x: not found",
			notFound:   true,
		},
		{
			name:       "replace out of an array",
			overriders: []policyv1alpha1.PlaintextOverrider{{Path: "/spec/ports/3/port", Operator: policyv1alpha1.OverriderOpReplace, Value: rawJSON(`8080`)}},
			wantErr:    "plaintext[0]: path /spec/ports/3/port: not found",
			notFound:   true,
		},
		{
			name:       "not a pointer",
			overriders: []policyv1alpha1.PlaintextOverrider{{Path: "spec.type", Operator: policyv1alpha1.OverriderOpRemove}},
			wantErr:    "plaintext[0]: path spec.type: not a JSON pointer: must start with '/'",
		},
		{
			name:       "whole object",
			overriders: []policyv1alpha1.PlaintextOverrider{{Path: "", Operator: policyv1alpha1.OverriderOpReplace, Value: rawJSON(`{}`)}},
			wantErr:    `plaintext[0]: path "": the whole document cannot be patched`,
		},
		{
			name:       "replace without a value",
			overriders: []policyv1alpha1.PlaintextOverrider{{Path: "/spec/type", Operator: policyv1alpha1.OverriderOpReplace}},
			wantErr:    `plaintext[0]: path /spec/type: operator "replace" needs a value`,
		},
		{
			name:       "unsupported operator",
			overriders: []policyv1alpha1.PlaintextOverrider{{Path: "/spec/type", Operator: "move"}},
			wantErr:    `plaintext[0]: path /spec/type: unsupported operator "move"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := object(t, manifest)
			got, err := applyPlaintext(obj.Object, tt.overriders)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("applyPlaintext() error = %v, want %q", err, tt.wantErr)
				}
				if errors.Is(err, ErrPathNotFound) != tt.notFound {
					t.Errorf("errors.Is(err, ErrPathNotFound) = %v, want %v", !tt.notFound, tt.notFound)
				}
				return
			}
			if err != nil {
				t.Fatalf("applyPlaintext() unexpected error: %v", err)
			}
			// object() decodes numbers as int64, as applyPlaintext must.
			if diff := cmp.Diff(object(t, tt.want).Object, got); diff != "" {
				t.Errorf("applyPlaintext() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
