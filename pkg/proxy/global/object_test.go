package global

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
)

// annotateByDecoding is the obvious (slow) implementation Annotate must agree with.
func annotateByDecoding(t *testing.T, raw []byte, cluster, rv string) map[string]any {
	t.Helper()
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		t.Fatal(err)
	}
	meta := obj["metadata"].(map[string]any)
	ann, _ := meta["annotations"].(map[string]any)
	if ann == nil {
		ann = map[string]any{}
	}
	ann[clusterv1alpha1.CacheSourceAnnotationKey] = cluster
	meta["annotations"] = ann
	if rv != "" {
		meta["resourceVersion"] = rv
	}
	return obj
}

func TestAnnotate(t *testing.T) {
	tests := map[string]string{
		"plain":              `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"ns","resourceVersion":"12"},"data":{"k":"v"}}`,
		"annotations":        `{"metadata":{"annotations":{"x":"y"},"name":"a"}}`,
		"empty annotations":  `{"metadata":{"annotations":{},"name":"a"}}`,
		"null annotations":   `{"metadata":{"annotations":null,"name":"a"}}`,
		"already annotated":  `{"metadata":{"annotations":{"resource.karmada.io/cached-from-cluster":"old","z":"1"},"name":"a"}}`,
		"empty metadata":     `{"kind":"Pod","metadata":{}}`,
		"whitespace":         "{ \"metadata\" : { \"name\" : \"a\" , \"namespace\":\"b\" } ,\n \"spec\": [1, {\"x\": \"}\"}] }",
		"escapes":            `{"metadata":{"name":"a\"b","annotations":{"q":"\\\"}{"}},"data":{"s":"]\\\\"}}`,
		"escaped key":        `{"meta\u0064ata":{"name":"a"}}`,
		"nested metadata":    `{"spec":{"metadata":{"name":"inner"}},"metadata":{"name":"outer"}}`,
		"numbers and bools":  `{"metadata":{"name":"a","generation":3,"x":true,"y":null},"n":-1.5e3}`,
		"resourceVersion in": `{"metadata":{"resourceVersion":"7","name":"a"}}`,
	}
	for name, in := range tests {
		for _, rv := range []string{"", "mc1.abc"} {
			t.Run(name+"/"+rv, func(t *testing.T) {
				out, key, err := Annotate([]byte(in), "member1", rv)
				if err != nil {
					t.Fatal(err)
				}
				var got map[string]any
				if err := json.Unmarshal(out, &got); err != nil {
					t.Fatalf("output is not JSON: %v\n%s", err, out)
				}
				if diff := cmp.Diff(annotateByDecoding(t, []byte(in), "member1", rv), got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
				meta := got["metadata"].(map[string]any)
				if key.Cluster != "member1" || key.Name != str(meta["name"]) || key.Namespace != str(meta["namespace"]) {
					t.Errorf("key = %+v", key)
				}
			})
		}
	}
}

func str(v any) string { s, _ := v.(string); return s }

func TestAnnotateRejectsMalformed(t *testing.T) {
	for _, in := range []string{``, `[]`, `{"metadata":"x"}`, `{"kind":"Pod"}`, `{"metadata":{"name":"a"`, `{"metadata":{"name":"a}}`, `{"metadata":{"name":}}`} {
		if _, _, err := Annotate([]byte(in), "c", ""); err == nil {
			t.Errorf("Annotate(%q) succeeded", in)
		}
	}
}

func FuzzAnnotate(f *testing.F) {
	f.Add([]byte(`{"metadata":{"name":"a","annotations":{"x":"y"}},"data":{"k":"v"}}`))
	f.Add([]byte(`{"metadata":{}}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		var obj map[string]any
		if json.Unmarshal(in, &obj) != nil {
			return
		}
		meta, ok := obj["metadata"].(map[string]any)
		if !ok {
			return
		}
		if _, ok := meta["annotations"]; ok {
			if _, ok := meta["annotations"].(map[string]any); !ok && meta["annotations"] != nil {
				return
			}
		}
		out, _, err := Annotate(in, "member1", "rv")
		if err != nil {
			// Duplicate keys and the like: refusing is fine, corrupting is not.
			return
		}
		var got map[string]any
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, out)
		}
		if diff := cmp.Diff(annotateByDecoding(t, in, "member1", "rv"), got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
}

func BenchmarkAnnotate(b *testing.B) {
	raw := []byte(`{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"cm-00042","namespace":"bench","uid":"6f1c9a8e-3c33-4c39-9d2e-1b8f3f8f0c11","resourceVersion":"123456","creationTimestamp":"2026-11-23T10:00:00Z","labels":{"app":"bench","tier":"x"},"managedFields":[{"manager":"kubectl","operation":"Apply","apiVersion":"v1","time":"2026-11-23T10:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:a":{},"f:b":{}}}}]},"data":{"a":"alpha","b":"beta"}}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Annotate(raw, "member1", ""); err != nil {
			b.Fatal(err)
		}
	}
}
