package overrides

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
)

// karmadaSample reads a file of Karmada's samples from $KARMADA_API_DIR, or
// from shared/karmada-api next to the repository. The test is skipped when
// the reference data is not there.
func karmadaSample(t *testing.T, name string) []byte {
	t.Helper()
	dir := os.Getenv("KARMADA_API_DIR")
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		// pkg/federate/overrides -> the repository's parent directory.
		dir = filepath.Join(wd, "..", "..", "..", "..", "shared", "karmada-api")
	}
	raw, err := os.ReadFile(filepath.Join(dir, "samples", name))
	if os.IsNotExist(err) {
		t.Skipf("Karmada reference data not found (set KARMADA_API_DIR): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestKarmadaNginxSample applies samples/nginx/overridepolicy.yaml to
// samples/nginx/deployment.yaml, both created in the default namespace as
// the sample's README does.
func TestKarmadaNginxSample(t *testing.T) {
	var policy policyv1alpha1.OverridePolicy
	if err := yaml.UnmarshalStrict(karmadaSample(t, "nginx/overridepolicy.yaml"), &policy); err != nil {
		t.Fatalf("decoding the sample policy: %v", err)
	}
	policy.Namespace = "default"
	templateJSON, err := yaml.YAMLToJSON(karmadaSample(t, "nginx/deployment.yaml"))
	if err != nil {
		t.Fatalf("decoding the sample deployment: %v", err)
	}
	template := &unstructured.Unstructured{}
	if err := template.UnmarshalJSON(templateJSON); err != nil {
		t.Fatalf("decoding the sample deployment: %v", err)
	}
	template.SetNamespace("default")

	tests := []struct {
		cluster         string
		wantLabels      map[string]string
		wantAnnotations map[string]string
		wantApplied     map[string]string
	}{
		{
			cluster:         "member1",
			wantLabels:      map[string]string{"app": "nginx"},
			wantAnnotations: map[string]string{"env": "skoala-stage"},
			wantApplied: map[string]string{AppliedOverridesAnnotation: `[{"policyName":"nginx-op","overriders":{"annotationsOverrider":[` +
				`{"operator":"add","value":{"env":"skoala-stage"}},` +
				`{"operator":"remove","value":{"bom":"bom"}},` +
				`{"operator":"replace","value":{"emma":"sophia"}}]}}]`},
		},
		{
			cluster:    "member2",
			wantLabels: map[string]string{"app": "nginx", "env": "skoala-dev", "env-stat": "skoala-stage"},
			wantApplied: map[string]string{AppliedOverridesAnnotation: `[{"policyName":"nginx-op","overriders":{"labelsOverrider":[` +
				`{"operator":"add","value":{"env":"skoala-dev"}},` +
				`{"operator":"add","value":{"env-stat":"skoala-stage"}},` +
				`{"operator":"remove","value":{"for":"for"}},` +
				`{"operator":"replace","value":{"bar":"test"}}]}}]`},
		},
		{
			cluster:     "member3",
			wantLabels:  map[string]string{"app": "nginx"},
			wantApplied: map[string]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.cluster, func(t *testing.T) {
			cluster := memberCluster(tt.cluster, nil, clusterv1alpha1.ClusterSpec{})
			got, applied, err := Apply(template, cluster, nil, []policyv1alpha1.OverridePolicy{policy})
			if err != nil {
				t.Fatalf("Apply() unexpected error: %v", err)
			}
			if diff := cmp.Diff(tt.wantLabels, got.GetLabels()); diff != "" {
				t.Errorf("labels mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantAnnotations, got.GetAnnotations()); diff != "" {
				t.Errorf("annotations mismatch (-want +got):\n%s", diff)
			}
			annotations, err := applied.Annotations()
			if err != nil {
				t.Fatalf("Annotations() unexpected error: %v", err)
			}
			if diff := cmp.Diff(tt.wantApplied, annotations); diff != "" {
				t.Errorf("applied annotations mismatch (-want +got):\n%s", diff)
			}
			// Nothing but metadata changes.
			if diff := cmp.Diff(template.Object["spec"], got.Object["spec"]); diff != "" {
				t.Errorf("spec changed (-want +got):\n%s", diff)
			}
		})
	}
}
