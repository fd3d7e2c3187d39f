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

package compat

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"text/tabwriter"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

// Field paths in this file are dotted JSON names; "[]" follows a list and
// "{}" a map whose values have fields, e.g. spec.overrideRules[].targetCluster.

// placementPaths are the scheduling fields every propagation policy must
// support.
var placementPaths = []string{
	"spec.placement.clusterAffinity.clusterNames",
	"spec.placement.clusterAffinity.exclude",
	"spec.placement.clusterAffinity.labelSelector",
	"spec.placement.clusterAffinity.fieldSelector",
	"spec.placement.clusterAffinities",
	"spec.placement.clusterTolerations",
	"spec.placement.spreadConstraints[].spreadByField",
	"spec.placement.spreadConstraints[].spreadByLabel",
	"spec.placement.spreadConstraints[].maxGroups",
	"spec.placement.spreadConstraints[].minGroups",
	"spec.placement.replicaScheduling.replicaSchedulingType",
	"spec.placement.replicaScheduling.replicaDivisionPreference",
	"spec.placement.replicaScheduling.weightPreference.staticWeightList",
	"spec.placement.replicaScheduling.weightPreference.dynamicWeight",
}

// propagationPolicyPaths lists the fields every (Cluster)PropagationPolicy
// must have. Note that Karmada's PropagateDependencies field is spelled
// "propagateDeps" in JSON.
var propagationPolicyPaths = slices.Concat([]string{
	"spec.resourceSelectors",
	"spec.propagateDeps",
	"spec.priority",
	"spec.preemption",
	"spec.conflictResolution",
	"spec.preserveResourcesOnDeletion",
	"spec.failover",
}, placementPaths)

var overridePolicyPaths = []string{
	"spec.resourceSelectors",
	"spec.overrideRules[].targetCluster",
	"spec.overrideRules[].overriders.imageOverrider",
	"spec.overrideRules[].overriders.commandOverrider",
	"spec.overrideRules[].overriders.argsOverrider",
	"spec.overrideRules[].overriders.labelsOverrider",
	"spec.overrideRules[].overriders.annotationsOverrider",
	"spec.overrideRules[].overriders.plaintext",
	"spec.overrideRules[].overriders.fieldOverrider",
}

var bindingPaths = []string{
	"spec.resource",
	"spec.replicas",
	"spec.replicaRequirements",
	"spec.clusters",
	"spec.placement",
	"status.aggregatedStatus",
	"status.conditions",
}

var workPaths = []string{
	"spec.workload.manifests",
	"status.manifestStatuses",
	"status.conditions",
}

// requiredCRDs are the Karmada CRDs fleetplane must serve, by file name
// (<group>_<plural>.yaml, as controller-gen names them), with the fields that
// must exist in the version Karmada stores. Other fields are reported in the
// coverage table without failing the test.
var requiredCRDs = map[string][]string{
	"policy.karmada.io_propagationpolicies.yaml":        propagationPolicyPaths,
	"policy.karmada.io_clusterpropagationpolicies.yaml": propagationPolicyPaths,
	"policy.karmada.io_overridepolicies.yaml":           overridePolicyPaths,
	"policy.karmada.io_clusteroverridepolicies.yaml":    overridePolicyPaths,
	"policy.karmada.io_federatedresourcequotas.yaml":    nil,
	"work.karmada.io_works.yaml":                        workPaths,
	"work.karmada.io_resourcebindings.yaml":             bindingPaths,
	"work.karmada.io_clusterresourcebindings.yaml":      bindingPaths,
}

// ourCRDDir is where controller-gen writes our CRDs (make generate).
var ourCRDDir = filepath.Join(repoRoot, "config", "crds")

// loadCRD reads a single-document CRD manifest.
func loadCRD(t *testing.T, file string) *apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("reading CRD: %v", err)
	}
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := yaml.Unmarshal(data, crd); err != nil {
		t.Fatalf("decoding CRD %s: %v", file, err)
	}
	if crd.Kind != "CustomResourceDefinition" {
		t.Fatalf("%s holds a %q, not a CustomResourceDefinition", file, crd.Kind)
	}
	return crd
}

// crdVersion returns the named version of a CRD, or nil.
func crdVersion(crd *apiextensionsv1.CustomResourceDefinition, name string) *apiextensionsv1.CustomResourceDefinitionVersion {
	for i := range crd.Spec.Versions {
		if crd.Spec.Versions[i].Name == name {
			return &crd.Spec.Versions[i]
		}
	}
	return nil
}

// schemaPaths lists every field path of an OpenAPI v3 schema, following
// properties, list items, map values and the branches of allOf/anyOf/oneOf.
func schemaPaths(v *apiextensionsv1.CustomResourceDefinitionVersion) map[string]bool {
	paths := map[string]bool{}
	if v.Schema == nil {
		return paths
	}
	var walk func(s *apiextensionsv1.JSONSchemaProps, prefix string)
	walk = func(s *apiextensionsv1.JSONSchemaProps, prefix string) {
		for name, prop := range s.Properties {
			p := name
			if prefix != "" {
				p = prefix + "." + name
			}
			paths[p] = true
			walk(&prop, p)
		}
		if s.Items != nil {
			if s.Items.Schema != nil {
				walk(s.Items.Schema, prefix+"[]")
			}
			for i := range s.Items.JSONSchemas {
				walk(&s.Items.JSONSchemas[i], prefix+"[]")
			}
		}
		if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
			walk(s.AdditionalProperties.Schema, prefix+"{}")
		}
		for _, branches := range [][]apiextensionsv1.JSONSchemaProps{s.AllOf, s.AnyOf, s.OneOf} {
			for i := range branches {
				walk(&branches[i], prefix)
			}
		}
	}
	if v.Schema.OpenAPIV3Schema != nil {
		walk(v.Schema.OpenAPIV3Schema, "")
	}
	return paths
}

// difference returns the sorted paths of a that are not in b.
func difference(a, b map[string]bool) []string {
	var out []string
	for p := range a {
		if !b[p] {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// isDescendant tells whether path p lies below path ancestor.
func isDescendant(p, ancestor string) bool {
	if !strings.HasPrefix(p, ancestor) || len(p) == len(ancestor) {
		return false
	}
	switch p[len(ancestor)] {
	case '.', '[', '{':
		return true
	}
	return false
}

// summarize shortens a sorted path list by printing only the top-most paths,
// each followed by how many paths below it are in the list too.
func summarize(paths []string) string {
	var b strings.Builder
	for i := 0; i < len(paths); {
		top := paths[i]
		j := i + 1
		for j < len(paths) && isDescendant(paths[j], top) {
			j++
		}
		b.WriteString("\n    " + top)
		if n := j - i - 1; n > 0 {
			fmt.Fprintf(&b, " (+%d below)", n)
		}
		i = j
	}
	return b.String()
}

// coverageRow is one line of the coverage table.
type coverageRow struct {
	group, kind, version string
	karmada, ours        int
	missing, extra       []string
	requiredMissing      []string
	note                 string
}

// TestCRDSchemasCoverKarmada compares our generated CRDs with Karmada's,
// version by version, and fails when a required CRD, version or field is
// missing, or when group, names or scope differ (they are part of the URL
// and of how clients address the objects).
func TestCRDSchemasCoverKarmada(t *testing.T) {
	karmadaDir := karmadaSubdir(t, "crds")
	karmadaFiles, err := filepath.Glob(filepath.Join(karmadaDir, "*.yaml"))
	if err != nil || len(karmadaFiles) == 0 {
		t.Fatalf("no Karmada CRDs found in %s (err=%v)", karmadaDir, err)
	}
	karmadaByName := map[string]string{}
	for _, f := range karmadaFiles {
		karmadaByName[filepath.Base(f)] = f
	}
	for name := range requiredCRDs {
		if _, ok := karmadaByName[name]; !ok {
			t.Errorf("required CRD %s is not among Karmada's CRDs; fix requiredCRDs", name)
		}
	}

	var rows []coverageRow
	for _, karmadaFile := range karmadaFiles {
		name := filepath.Base(karmadaFile)
		karmada := loadCRD(t, karmadaFile)
		required, isRequired := requiredCRDs[name]
		ourFile := filepath.Join(ourCRDDir, name)
		if _, err := os.Stat(ourFile); err != nil {
			row := coverageRow{group: karmada.Spec.Group, kind: karmada.Spec.Names.Kind, note: "not implemented"}
			if isRequired {
				t.Errorf("%s: our CRD is missing (run make generate): %v", name, err)
				row.note = "MISSING (required)"
			}
			rows = append(rows, row)
			continue
		}
		t.Run(name, func(t *testing.T) {
			rows = append(rows, compareCRDs(t, karmada, loadCRD(t, ourFile), required)...)
		})
	}

	var table strings.Builder
	tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "GROUP\tKIND\tVERSION\tKARMADA FIELDS\tOURS\tMISSING\tEXTRA\tNOTE")
	for _, r := range rows {
		if r.version == "" {
			fmt.Fprintf(tw, "%s\t%s\t-\t-\t-\t-\t-\t%s\n", r.group, r.kind, r.note)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\n", r.group, r.kind, r.version, r.karmada, r.ours, len(r.missing), len(r.extra), r.note)
	}
	tw.Flush()
	for _, r := range rows {
		if len(r.missing) > 0 {
			fmt.Fprintf(&table, "\n%s %s: %d fields of Karmada's schema missing in ours:%s\n", r.kind, r.version, len(r.missing), summarize(r.missing))
		}
		if len(r.extra) > 0 {
			fmt.Fprintf(&table, "\n%s %s: %d fields in ours but not in Karmada's schema:%s\n", r.kind, r.version, len(r.extra), summarize(r.extra))
		}
	}
	t.Logf("CRD schema coverage against Karmada (our CRDs in %s):\n%s", ourCRDDir, table.String())
}

// compareCRDs checks our CRD against Karmada's and returns one coverage row
// per version Karmada serves.
func compareCRDs(t *testing.T, karmada, ours *apiextensionsv1.CustomResourceDefinition, required []string) []coverageRow {
	t.Helper()
	checks := []struct{ what, karmada, ours string }{
		{"spec.group", karmada.Spec.Group, ours.Spec.Group},
		{"spec.names.kind", karmada.Spec.Names.Kind, ours.Spec.Names.Kind},
		{"spec.names.listKind", karmada.Spec.Names.ListKind, ours.Spec.Names.ListKind},
		{"spec.names.plural", karmada.Spec.Names.Plural, ours.Spec.Names.Plural},
		{"spec.names.singular", karmada.Spec.Names.Singular, ours.Spec.Names.Singular},
		{"spec.scope", string(karmada.Spec.Scope), string(ours.Spec.Scope)},
	}
	for _, c := range checks {
		if c.karmada != c.ours {
			t.Errorf("%s = %q, Karmada has %q", c.what, c.ours, c.karmada)
		}
	}
	// Short names and categories only affect kubectl convenience; report
	// differences without failing.
	if !slices.Equal(karmada.Spec.Names.ShortNames, ours.Spec.Names.ShortNames) {
		t.Logf("short names %v differ from Karmada's %v", ours.Spec.Names.ShortNames, karmada.Spec.Names.ShortNames)
	}
	if !slices.Equal(karmada.Spec.Names.Categories, ours.Spec.Names.Categories) {
		t.Logf("categories %v differ from Karmada's %v", ours.Spec.Names.Categories, karmada.Spec.Names.Categories)
	}

	group, kind := karmada.Spec.Group, karmada.Spec.Names.Kind
	var rows []coverageRow
	for i := range karmada.Spec.Versions {
		kv := &karmada.Spec.Versions[i]
		if !kv.Served {
			continue
		}
		ov := crdVersion(ours, kv.Name)
		if ov == nil || !ov.Served {
			if kv.Storage {
				t.Errorf("%s: version %s, the one Karmada stores, is not served by our CRD", kind, kv.Name)
			}
			rows = append(rows, coverageRow{group: group, kind: kind, version: kv.Name, karmada: len(schemaPaths(kv)), note: "version not served"})
			continue
		}
		kp, op := schemaPaths(kv), schemaPaths(ov)
		row := coverageRow{group: group, kind: kind, version: kv.Name, karmada: len(kp), ours: len(op),
			missing: difference(kp, op), extra: difference(op, kp)}
		if kv.Storage {
			for _, p := range required {
				if !kp[p] {
					t.Errorf("%s %s: required path %s is not in Karmada's schema; fix the requirement list", kind, kv.Name, p)
				} else if !op[p] {
					row.requiredMissing = append(row.requiredMissing, p)
				}
			}
			if len(row.requiredMissing) > 0 {
				t.Errorf("%s %s: required fields missing in our CRD:\n  %s", kind, kv.Name, strings.Join(row.requiredMissing, "\n  "))
				row.note = fmt.Sprintf("%d REQUIRED MISSING", len(row.requiredMissing))
			}
		}
		rows = append(rows, row)
	}
	for _, ov := range ours.Spec.Versions {
		if crdVersion(karmada, ov.Name) == nil {
			t.Logf("%s: our version %s does not exist in Karmada", kind, ov.Name)
		}
	}
	return rows
}

// TestCRDKindsRegistered checks that every kind our CRDs declare, and its
// list kind, has a Go type registered by the AddToScheme functions, so that
// controllers and clients built on the scheme can handle all of them.
func TestCRDKindsRegistered(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(ourCRDDir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no CRDs in %s (run make generate)", ourCRDDir)
	}
	scheme := newScheme(t)
	for _, f := range files {
		crd := loadCRD(t, f)
		for _, v := range crd.Spec.Versions {
			for _, kind := range []string{crd.Spec.Names.Kind, crd.Spec.Names.ListKind} {
				gvk := schema.GroupVersionKind{Group: crd.Spec.Group, Version: v.Name, Kind: kind}
				if !scheme.Recognizes(gvk) {
					t.Errorf("%s: %s has no Go type registered in the scheme", filepath.Base(f), gvk)
				}
			}
		}
	}
}
