package statusfields

import (
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestReflect(t *testing.T) {
	deploy := map[string]any{
		"replicas": int64(2), "readyReplicas": int64(1), "observedGeneration": int64(3),
		"conditions": []any{map[string]any{"type": "Progressing", "reason": "ReplicaSetUpdated"}},
	}
	got := Reflect(schema.GroupKind{Group: "apps", Kind: "Deployment"}, deploy)
	want := map[string]any{"replicas": int64(2), "readyReplicas": int64(1), "observedGeneration": int64(3)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Deployment: got %v, want %v", got, want)
	}

	job := map[string]any{"succeeded": int64(1), "startTime": "t0", "conditions": []any{"c"}, "uncountedTerminatedPods": map[string]any{}}
	got = Reflect(schema.GroupKind{Group: "batch", Kind: "Job"}, job)
	want = map[string]any{"succeeded": int64(1), "startTime": "t0", "conditions": []any{"c"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Job: got %v, want %v", got, want)
	}

	svc := map[string]any{"loadBalancer": map[string]any{"ingress": []any{"x"}}}
	if got := Reflect(schema.GroupKind{Kind: "Service"}, svc); !reflect.DeepEqual(got, svc) {
		t.Errorf("Service: got %v, want the whole status", got)
	}
}
