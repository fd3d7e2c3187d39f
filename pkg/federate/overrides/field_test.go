package overrides

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
)

func configMap(data map[string]interface{}) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "v1",
		"kind":       "ConfigMap",
		"metadata":   map[string]interface{}{"name": "app-config", "namespace": "default"},
		"data":       data,
	}}
}

func TestApplyField(t *testing.T) {
	const dbYAML = `database:
  host: db.local
  port: 5432
  replicas:
  - db-0
# the cache is optional
cache: true
`
	tests := []struct {
		name       string
		data       map[string]interface{}
		overrider  policyv1alpha1.FieldOverrider
		key        string
		want       string
		wantErr    string
		wantPrefix bool
		notFound   bool
	}{
		{
			name: "json on one line",
			data: map[string]interface{}{"config.json": `{"host":"db.local","port":5432,"debug":true}`},
			overrider: policyv1alpha1.FieldOverrider{FieldPath: "/data/config.json", JSON: []policyv1alpha1.JSONPatchOperation{
				{SubPath: "/host", Operator: policyv1alpha1.OverriderOpReplace, Value: rawJSON(`"db.member1"`)},
				{SubPath: "/tls", Operator: policyv1alpha1.OverriderOpAdd, Value: rawJSON(`{"enabled":true}`)},
				{SubPath: "/debug", Operator: policyv1alpha1.OverriderOpRemove},
			}},
			key:  "config.json",
			want: `{"host":"db.member1","port":5432,"tls":{"enabled":true}}`,
		},
		{
			name: "pretty json keeps its indentation and key order",
			data: map[string]interface{}{"config.json": "{\n    \"port\": 5432,\n    \"host\": \"<db>\"\n}\n"},
			overrider: policyv1alpha1.FieldOverrider{FieldPath: "/data/config.json", JSON: []policyv1alpha1.JSONPatchOperation{
				{SubPath: "/port", Operator: policyv1alpha1.OverriderOpReplace, Value: rawJSON(`6432`)},
			}},
			key:  "config.json",
			want: "{\n    \"port\": 6432,\n    \"host\": \"<db>\"\n}\n",
		},
		{
			name: "yaml stays yaml",
			data: map[string]interface{}{"db-config.yaml": dbYAML},
			overrider: policyv1alpha1.FieldOverrider{FieldPath: "/data/db-config.yaml", YAML: []policyv1alpha1.YAMLPatchOperation{
				{SubPath: "/database/host", Operator: policyv1alpha1.OverriderOpReplace, Value: rawJSON(`"db.member1"`)},
				{SubPath: "/database/replicas/-", Operator: policyv1alpha1.OverriderOpAdd, Value: rawJSON(`"db-1"`)},
				{SubPath: "/cache", Operator: policyv1alpha1.OverriderOpRemove},
			}},
			key: "db-config.yaml",
			want: `database:
  host: db.member1
  port: 5432
  replicas:
  - db-0
  - db-1
`,
		},
		{
			name:      "no operations",
			data:      map[string]interface{}{"config.json": "not even json"},
			overrider: policyv1alpha1.FieldOverrider{FieldPath: "/data/config.json"},
			key:       "config.json",
			want:      "not even json",
		},
		{
			name: "subPath not found",
			data: map[string]interface{}{"db-config.yaml": dbYAML},
			overrider: policyv1alpha1.FieldOverrider{FieldPath: "/data/db-config.yaml", YAML: []policyv1alpha1.YAMLPatchOperation{
				{SubPath: "/database/host", Operator: policyv1alpha1.OverriderOpReplace, Value: rawJSON(`"x"`)},
				{SubPath: "/database/user", Operator: policyv1alpha1.OverriderOpReplace, Value: rawJSON(`"x"`)},
			}},
			wantErr:  "fieldPath /data/db-config.yaml: yaml[1]: subPath /database/user: not found",
			notFound: true,
		},
		{
			name: "yaml after a header",
			data: map[string]interface{}{"app.yaml": "# generated\n---\nb: 1\na: 2\n"},
			overrider: policyv1alpha1.FieldOverrider{FieldPath: "/data/app.yaml", YAML: []policyv1alpha1.YAMLPatchOperation{
				{SubPath: "/c", Operator: policyv1alpha1.OverriderOpAdd, Value: rawJSON(`[1, 2]`)},
			}},
			key:  "app.yaml",
			want: "a: 2\nb: 1\nc:\n- 1\n- 2\n",
		},
		{
			name: "several yaml documents",
			data: map[string]interface{}{"app.yaml": "a: 1\n---\nb: 2\n"},
			overrider: policyv1alpha1.FieldOverrider{FieldPath: "/data/app.yaml", YAML: []policyv1alpha1.YAMLPatchOperation{
				{SubPath: "/a", Operator: policyv1alpha1.OverriderOpRemove},
			}},
			wantErr: "fieldPath /data/app.yaml: holds several YAML documents, only one can be edited",
		},
		{
			name: "empty yaml",
			data: map[string]interface{}{"app.yaml": "# nothing yet\n"},
			overrider: policyv1alpha1.FieldOverrider{FieldPath: "/data/app.yaml", YAML: []policyv1alpha1.YAMLPatchOperation{
				{SubPath: "/a", Operator: policyv1alpha1.OverriderOpAdd, Value: rawJSON(`1`)},
			}},
			wantErr: "fieldPath /data/app.yaml: holds an empty YAML document",
		},
		{
			name: "invalid yaml",
			data: map[string]interface{}{"app.yaml": "a: [1\n"},
			overrider: policyv1alpha1.FieldOverrider{FieldPath: "/data/app.yaml", YAML: []policyv1alpha1.YAMLPatchOperation{
				{SubPath: "/a", Operator: policyv1alpha1.OverriderOpRemove},
			}},
			wantErr:    "fieldPath /data/app.yaml: not a YAML document: ",
			wantPrefix: true,
		},
		{
			name: "fieldPath not found",
			data: map[string]interface{}{},
			overrider: policyv1alpha1.FieldOverrider{FieldPath: "/data/config.json", JSON: []policyv1alpha1.JSONPatchOperation{
				{SubPath: "/host", Operator: policyv1alpha1.OverriderOpRemove},
			}},
			wantErr:  "fieldPath /data/config.json: not found",
			notFound: true,
		},
		{
			name: "fieldPath not a string",
			data: map[string]interface{}{"config.json": "{}"},
			overrider: policyv1alpha1.FieldOverrider{FieldPath: "/data", JSON: []policyv1alpha1.JSONPatchOperation{
				{SubPath: "/host", Operator: policyv1alpha1.OverriderOpRemove},
			}},
			wantErr: "fieldPath /data: holds an object, not a string",
		},
		{
			name: "invalid json",
			data: map[string]interface{}{"config.json": "host: db"},
			overrider: policyv1alpha1.FieldOverrider{FieldPath: "/data/config.json", JSON: []policyv1alpha1.JSONPatchOperation{
				{SubPath: "/host", Operator: policyv1alpha1.OverriderOpRemove},
			}},
			wantErr: "fieldPath /data/config.json: not a JSON document",
		},
		{
			name: "json and yaml together",
			data: map[string]interface{}{"config.json": "{}"},
			overrider: policyv1alpha1.FieldOverrider{
				FieldPath: "/data/config.json",
				JSON:      []policyv1alpha1.JSONPatchOperation{{SubPath: "/a", Operator: policyv1alpha1.OverriderOpRemove}},
				YAML:      []policyv1alpha1.YAMLPatchOperation{{SubPath: "/a", Operator: policyv1alpha1.OverriderOpRemove}},
			},
			wantErr: "json and yaml cannot be set together",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := configMap(tt.data)
			err := applyField(obj.Object, tt.overrider)
			if tt.wantErr != "" {
				if err == nil || tt.wantPrefix && !strings.HasPrefix(err.Error(), tt.wantErr) || !tt.wantPrefix && err.Error() != tt.wantErr {
					t.Fatalf("applyField() error = %v, want %q", err, tt.wantErr)
				}
				if errors.Is(err, ErrPathNotFound) != tt.notFound {
					t.Errorf("errors.Is(err, ErrPathNotFound) = %v, want %v", !tt.notFound, tt.notFound)
				}
				return
			}
			if err != nil {
				t.Fatalf("applyField() unexpected error: %v", err)
			}
			got, _, _ := unstructured.NestedString(obj.Object, "data", tt.key)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("data[%q] mismatch (-want +got):\n%s", tt.key, diff)
			}
		})
	}
}
