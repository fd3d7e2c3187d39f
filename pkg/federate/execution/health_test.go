package execution

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	workv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha1"
)

func object(apiVersion, kind string, generation int64, fields map[string]any) *unstructured.Unstructured {
	obj := &unstructured.Unstructured{Object: map[string]any{"apiVersion": apiVersion, "kind": kind}}
	obj.SetName("x")
	obj.SetGeneration(generation)
	for k, v := range fields {
		obj.Object[k] = v
	}
	return obj
}

func conditions(pairs ...string) map[string]any {
	var out []any
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, map[string]any{"type": pairs[i], "status": pairs[i+1]})
	}
	return map[string]any{"conditions": out}
}

func TestHealth(t *testing.T) {
	tests := []struct {
		name string
		obj  *unstructured.Unstructured
		want workv1alpha1.ResourceHealth
	}{
		{name: "nil", obj: nil, want: unknown},
		{
			name: "deployment ready",
			obj: object("apps/v1", "Deployment", 2, map[string]any{
				"spec":   map[string]any{"replicas": int64(3)},
				"status": map[string]any{"observedGeneration": int64(2), "readyReplicas": int64(3), "updatedReplicas": int64(3)},
			}),
			want: healthy,
		},
		{
			name: "deployment not observed",
			obj: object("apps/v1", "Deployment", 3, map[string]any{
				"spec":   map[string]any{"replicas": int64(3)},
				"status": map[string]any{"observedGeneration": int64(2), "readyReplicas": int64(3), "updatedReplicas": int64(3)},
			}),
			want: unhealthy,
		},
		{
			name: "deployment short of ready replicas",
			obj: object("apps/v1", "Deployment", 1, map[string]any{
				"spec":   map[string]any{"replicas": int64(3)},
				"status": map[string]any{"observedGeneration": int64(1), "readyReplicas": int64(2), "updatedReplicas": int64(3)},
			}),
			want: unhealthy,
		},
		{
			name: "deployment with default replicas and empty status",
			obj:  object("apps/v1", "Deployment", 1, map[string]any{"status": map[string]any{}}),
			want: unhealthy,
		},
		{
			name: "deployment scaled to zero",
			obj: object("apps/v1", "Deployment", 1, map[string]any{
				"spec": map[string]any{"replicas": int64(0)}, "status": map[string]any{"observedGeneration": int64(1)},
			}),
			want: healthy,
		},
		{
			name: "statefulset ready",
			obj: object("apps/v1", "StatefulSet", 1, map[string]any{
				"spec":   map[string]any{"replicas": int64(1)},
				"status": map[string]any{"observedGeneration": int64(1), "readyReplicas": int64(1), "updatedReplicas": int64(1)},
			}),
			want: healthy,
		},
		{
			name: "daemonset rolling",
			obj: object("apps/v1", "DaemonSet", 1, map[string]any{"status": map[string]any{
				"observedGeneration": int64(1), "desiredNumberScheduled": int64(3), "numberReady": int64(3), "updatedNumberScheduled": int64(2),
			}}),
			want: unhealthy,
		},
		{name: "job complete", obj: object("batch/v1", "Job", 1, map[string]any{"status": conditions("Complete", "True")}), want: healthy},
		{name: "job failed", obj: object("batch/v1", "Job", 1, map[string]any{"status": conditions("Failed", "True")}), want: unhealthy},
		{name: "job running", obj: object("batch/v1", "Job", 1, map[string]any{"status": map[string]any{"active": int64(1)}}), want: unknown},
		{name: "pod running", obj: object("v1", "Pod", 1, map[string]any{"status": map[string]any{"phase": "Running"}}), want: healthy},
		{name: "pod succeeded", obj: object("v1", "Pod", 1, map[string]any{"status": map[string]any{"phase": "Succeeded"}}), want: healthy},
		{name: "pod pending", obj: object("v1", "Pod", 1, map[string]any{"status": map[string]any{"phase": "Pending"}}), want: unhealthy},
		{name: "pod without phase", obj: object("v1", "Pod", 1, nil), want: unknown},
		{name: "pvc bound", obj: object("v1", "PersistentVolumeClaim", 0, map[string]any{"status": map[string]any{"phase": "Bound"}}), want: healthy},
		{name: "namespace active", obj: object("v1", "Namespace", 0, map[string]any{"status": map[string]any{"phase": "Active"}}), want: healthy},
		{name: "service", obj: object("v1", "Service", 0, nil), want: healthy},
		{name: "configmap", obj: object("v1", "ConfigMap", 0, nil), want: healthy},
		{name: "secret", obj: object("v1", "Secret", 0, nil), want: healthy},
		{name: "ingress", obj: object("networking.k8s.io/v1", "Ingress", 1, nil), want: healthy},
		{name: "custom resource ready", obj: object("example.io/v1", "Widget", 1, map[string]any{"status": conditions("Ready", "True")}), want: healthy},
		{name: "custom resource not available", obj: object("example.io/v1", "Widget", 1, map[string]any{"status": conditions("Available", "False")}), want: unhealthy},
		{name: "custom resource without conditions", obj: object("example.io/v1", "Widget", 1, nil), want: unknown},
		{name: "same kind in another group", obj: object("example.io/v1", "Deployment", 1, nil), want: unknown},
		{
			name: "terminating",
			obj: func() *unstructured.Unstructured {
				o := object("v1", "ConfigMap", 0, nil)
				o.Object["metadata"].(map[string]any)["deletionTimestamp"] = "2026-01-01T00:00:00Z"
				return o
			}(),
			want: unhealthy,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := health(tt.obj); got != tt.want {
				t.Errorf("health() = %s, want %s", got, tt.want)
			}
		})
	}
}
