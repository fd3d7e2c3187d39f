package promotion

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

func fromYAML(t *testing.T, s string) *unstructured.Unstructured {
	t.Helper()
	obj := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(s), &obj.Object); err != nil {
		t.Fatal(err)
	}
	return obj
}

func TestStrip(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "deployment", in: `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
  uid: 6f1c
  resourceVersion: "42"
  generation: 3
  creationTimestamp: "2025-01-01T00:00:00Z"
  selfLink: /apis/apps/v1/namespaces/default/deployments/web
  managedFields: [{manager: kubectl}]
  ownerReferences: [{apiVersion: v1, kind: Foo, name: owner, uid: "1"}]
  finalizers: [example.com/cleanup]
  labels: {app: web, karmada.io/managed: "true", work.karmada.io/name: web-1, work.karmada.io/namespace: karmada-es-m}
  annotations:
    deployment.kubernetes.io/revision: "2"
    kubectl.kubernetes.io/last-applied-configuration: "{}"
    team: blue
spec:
  replicas: 2
  template:
    metadata: {labels: {app: web, pod-template-hash: 5d4f}}
status:
  readyReplicas: 2
`, want: `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
  labels: {app: web}
  annotations: {team: blue}
spec:
  replicas: 2
  template:
    metadata: {labels: {app: web, pod-template-hash: 5d4f}}
`},
		{name: "only stripped annotations", in: `
apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
  annotations: {kubectl.kubernetes.io/last-applied-configuration: "{}"}
data: {a: b}
`, want: `
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {a: b}
`},
		{name: "service loses its cluster IPs", in: `
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {clusterIP: 10.0.0.7, clusterIPs: [10.0.0.7], ports: [{port: 80, nodePort: 30080}], type: NodePort}
`, want: `
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {ports: [{port: 80, nodePort: 30080}], type: NodePort}
`},
		{name: "headless service stays headless", in: `
apiVersion: v1
kind: Service
metadata: {name: db}
spec: {clusterIP: None, clusterIPs: [None]}
`, want: `
apiVersion: v1
kind: Service
metadata: {name: db}
spec: {clusterIP: None, clusterIPs: [None]}
`},
		{name: "job loses its generated selector", in: `
apiVersion: batch/v1
kind: Job
metadata: {name: once}
spec:
  selector: {matchLabels: {batch.kubernetes.io/controller-uid: abc}}
  template:
    metadata: {labels: {app: once, batch.kubernetes.io/controller-uid: abc, batch.kubernetes.io/job-name: once, controller-uid: abc, job-name: once}}
`, want: `
apiVersion: batch/v1
kind: Job
metadata: {name: once}
spec:
  template:
    metadata: {labels: {app: once}}
`},
		{name: "job with a manual selector keeps it", in: `
apiVersion: batch/v1
kind: Job
metadata: {name: once}
spec:
  manualSelector: true
  selector: {matchLabels: {job-name: once}}
  template:
    metadata: {labels: {job-name: once}}
`, want: `
apiVersion: batch/v1
kind: Job
metadata: {name: once}
spec:
  manualSelector: true
  selector: {matchLabels: {job-name: once}}
  template:
    metadata: {labels: {job-name: once}}
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := fromYAML(t, tt.in)
			before := in.DeepCopy()
			got := Strip(in)
			if diff := cmp.Diff(fromYAML(t, tt.want).Object, got.Object); diff != "" {
				t.Errorf("Strip() (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(before.Object, in.Object); diff != "" {
				t.Errorf("Strip() changed its input (-before +after):\n%s", diff)
			}
		})
	}
}
