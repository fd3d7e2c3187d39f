/*
Copyright The fleetplane Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package v1alpha1

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

// karmadaAPIDir finds Karmada's reference data: $KARMADA_API_DIR, or
// shared/karmada-api next to the repository.
func karmadaAPIDir(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("KARMADA_API_DIR"); dir != "" {
		return dir
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "karmada-api")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("repository root (go.mod) not found; set KARMADA_API_DIR")
		}
		dir = parent
	}
}

// TestKarmadaSamplesDecodeStrictly decodes Karmada's sample policies into our
// types, rejecting unknown or duplicate fields, and checks a few values.
func TestKarmadaSamplesDecodeStrictly(t *testing.T) {
	cases := []struct {
		file  string
		into  runtime.Object
		check func(t *testing.T, obj runtime.Object)
	}{
		{
			file: "samples/nginx/propagationpolicy.yaml",
			into: &PropagationPolicy{},
			check: func(t *testing.T, obj runtime.Object) {
				pp := obj.(*PropagationPolicy)
				if got := pp.Spec.ResourceSelectors; len(got) != 1 || got[0].Kind != "Deployment" || got[0].Name != "nginx" {
					t.Errorf("resourceSelectors = %+v", got)
				}
				rs := pp.Spec.Placement.ReplicaScheduling
				if rs == nil || rs.ReplicaSchedulingType != ReplicaSchedulingTypeDivided || rs.ReplicaDivisionPreference != ReplicaDivisionPreferenceWeighted {
					t.Fatalf("replicaScheduling = %+v", rs)
				}
				if w := rs.WeightPreference; w == nil || len(w.StaticWeightList) != 2 || w.StaticWeightList[1].Weight != 1 ||
					w.StaticWeightList[1].TargetCluster.ClusterNames[0] != "member2" {
					t.Errorf("weightPreference = %+v", w)
				}
			},
		},
		{
			file: "samples/nginx/overridepolicy.yaml",
			into: &OverridePolicy{},
			check: func(t *testing.T, obj runtime.Object) {
				op := obj.(*OverridePolicy)
				rules := op.Spec.OverrideRules
				if len(rules) != 2 {
					t.Fatalf("overrideRules = %+v", rules)
				}
				labels := rules[0].Overriders.LabelsOverrider
				if len(labels) != 4 || labels[1].Operator != OverriderOpAdd || labels[2].Operator != OverriderOpRemove || labels[3].Value["bar"] != "test" {
					t.Errorf("labelsOverrider = %+v", labels)
				}
				if ann := rules[1].Overriders.AnnotationsOverrider; len(ann) != 3 || ann[2].Operator != OverriderOpReplace {
					t.Errorf("annotationsOverrider = %+v", ann)
				}
			},
		},
		{
			file: "samples/guestbook/guestbooks-propagationpolicy.yaml",
			into: &PropagationPolicy{},
			check: func(t *testing.T, obj runtime.Object) {
				pp := obj.(*PropagationPolicy)
				if a := pp.Spec.Placement.ClusterAffinity; a == nil || len(a.ClusterNames) != 1 || a.ClusterNames[0] != "member1" {
					t.Errorf("clusterAffinity = %+v", a)
				}
			},
		},
		{
			file: "samples/guestbook/guestbooks-clusterpropagationpolicy.yaml",
			into: &ClusterPropagationPolicy{},
			check: func(t *testing.T, obj runtime.Object) {
				cpp := obj.(*ClusterPropagationPolicy)
				if got := cpp.Spec.ResourceSelectors; len(got) != 1 || got[0].Kind != "CustomResourceDefinition" {
					t.Errorf("resourceSelectors = %+v", got)
				}
			},
		},
		{
			file: "samples/guestbook/guestbooks-overridepolicy.yaml",
			into: &OverridePolicy{},
			check: func(t *testing.T, obj runtime.Object) {
				op := obj.(*OverridePolicy)
				if len(op.Spec.OverrideRules) != 1 {
					t.Fatalf("overrideRules = %+v", op.Spec.OverrideRules)
				}
				pt := op.Spec.OverrideRules[0].Overriders.Plaintext
				if len(pt) != 2 || pt[0].Path != "/spec/size" || string(pt[0].Value.Raw) != "4" ||
					pt[1].Operator != OverriderOpAdd || string(pt[1].Value.Raw) != `{"OverridePolicy":"test"}` {
					t.Errorf("plaintext = %+v", pt)
				}
			},
		},
	}

	dir := karmadaAPIDir(t)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("Karmada's API data is not beside the repository (%v); set KARMADA_API_DIR", err)
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, c.file))
			if err != nil {
				t.Fatal(err)
			}
			if err := yaml.UnmarshalStrict(data, c.into); err != nil {
				t.Fatalf("strict decoding: %v", err)
			}
			gvk := c.into.GetObjectKind().GroupVersionKind()
			if gvk.GroupVersion() != SchemeGroupVersion {
				t.Errorf("apiVersion = %q, want %q", gvk.GroupVersion(), SchemeGroupVersion)
			}
			if want := reflect.TypeOf(c.into).Elem().Name(); gvk.Kind != want {
				t.Errorf("kind = %q, want %q", gvk.Kind, want)
			}
			c.check(t, c.into)
		})
	}
}
