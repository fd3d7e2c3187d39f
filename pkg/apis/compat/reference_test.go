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
	"bufio"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	searchv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/search/v1alpha1"
)

// The aggregated groups (cluster.karmada.io and search.karmada.io) have no CRD
// to compare with, so their Go types are compared with Karmada's API
// reference pages instead. A page has one "## Type" section per type. A field
// is a markdown list item whose name is in bold, relative to the section's
// type and dotted for nested fields:
//
//	- **spec** ([ClusterSpec](../cluster-resources/cluster-v1alpha1#clusterspec)), required
//	  - **impersonatorSecretRef.name** (string), required
//
// A field whose type links to another section of the same page is expanded
// with that section's fields, so full paths like spec.secretRef.name are
// produced. Lists are not marked in these paths (resourceModels.ranges.min).

var (
	refSectionRE = regexp.MustCompile(`^## +(\S+)\s*$`)
	refFieldRE   = regexp.MustCompile(`^\s*- \*\*([A-Za-z0-9_.]+)\*\*(.*)$`)
	refLinkRE    = regexp.MustCompile(`\[[^\]]+\]\(([^)#]*)#([a-z0-9-]+)\)`)
)

// refField is one field entry of a reference page section.
type refField struct {
	name string // path relative to the section's type, e.g. "secretRef.name"
	// section is the section of the same page describing the field's type,
	// or "" when the type is a scalar or is defined on another page.
	section string
}

// parseReferencePage reads a reference page into its sections (keyed by the
// lower-cased type name, which is also the anchor links use). Parsing stops
// at the "Operations" section, whose list items are request parameters.
func parseReferencePage(t *testing.T, file string) map[string][]refField {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatalf("open reference page: %v", err)
	}
	defer f.Close()

	page := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	type rawField struct{ name, linkPage, anchor string }
	raw := map[string][]rawField{}
	current := ""
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		line := scanner.Text()
		if m := refSectionRE.FindStringSubmatch(line); m != nil {
			current = strings.ToLower(m[1])
			if current == "operations" {
				break
			}
			raw[current] = nil
			continue
		}
		m := refFieldRE.FindStringSubmatch(line)
		if m == nil || current == "" {
			continue
		}
		rf := rawField{name: m[1]}
		if l := refLinkRE.FindStringSubmatch(m[2]); l != nil {
			rf.linkPage, rf.anchor = l[1], l[2]
		}
		raw[current] = append(raw[current], rf)
	}
	if err := scanner.Err(); err != nil {
		t.Fatalf("read reference page: %v", err)
	}

	sections := map[string][]refField{}
	for name, fields := range raw {
		for _, rf := range fields {
			field := refField{name: rf.name}
			// Only links to a section of this very page are expanded;
			// common definitions (ObjectMeta, LabelSelector, ...) are
			// Kubernetes types we reuse as they are.
			if rf.anchor != "" && path.Base(rf.linkPage) == page {
				if _, ok := raw[rf.anchor]; ok {
					field.section = rf.anchor
				}
			}
			sections[name] = append(sections[name], field)
		}
	}
	return sections
}

// documentedPaths lists every field path of the type documented by section,
// expanding same-page type links recursively.
func documentedPaths(sections map[string][]refField, section string) []string {
	var paths []string
	var walk func(section, prefix string, stack map[string]bool)
	walk = func(section, prefix string, stack map[string]bool) {
		stack[section] = true
		defer delete(stack, section)
		for _, f := range sections[section] {
			p := prefix + f.name
			paths = append(paths, p)
			if f.section != "" && !stack[f.section] {
				walk(f.section, p+".", stack)
			}
		}
	}
	walk(section, "", map[string]bool{})
	sort.Strings(paths)
	return paths
}

// jsonName returns the JSON name encoding/json uses for a struct field, and
// whether the field is an embedded struct whose fields are inlined.
func jsonName(f reflect.StructField) (name string, inline bool) {
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "", false
	}
	name, opts, _ := strings.Cut(tag, ",")
	if f.Anonymous && (name == "" || strings.Contains(","+opts+",", ",inline,")) {
		return "", true
	}
	if name == "" {
		name = f.Name
	}
	return name, false
}

// elemType strips pointers, slices, arrays and maps down to the type of the
// values they hold, since reference paths do not mark them.
func elemType(t reflect.Type) reflect.Type {
	for {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
			t = t.Elem()
		default:
			return t
		}
	}
}

// jsonFields lists the JSON-visible fields of a struct type, with inlined
// embedded structs flattened, keyed by JSON name.
func jsonFields(t reflect.Type) map[string]reflect.StructField {
	fields := map[string]reflect.StructField{}
	t = elemType(t)
	if t.Kind() != reflect.Struct {
		return fields
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() && !f.Anonymous {
			continue
		}
		name, inline := jsonName(f)
		switch {
		case inline:
			for n, inner := range jsonFields(f.Type) {
				fields[n] = inner
			}
		case name != "":
			fields[name] = f
		}
	}
	return fields
}

// hasJSONPath tells whether the dotted path (lists and maps unmarked) exists
// in the JSON form of t.
func hasJSONPath(t reflect.Type, p string) bool {
	for _, seg := range strings.Split(p, ".") {
		f, ok := jsonFields(t)[seg]
		if !ok {
			return false
		}
		t = f.Type
	}
	return true
}

// ownModule is the import path prefix of fleetplane's packages.
const ownModule = "github.com/fleetplane/fleetplane/"

// goJSONPaths lists the JSON field paths of t, descending only into struct
// types defined in this module: reused Kubernetes types (ObjectMeta, Taint,
// Condition, ...) are leaves, as they are on the reference pages.
func goJSONPaths(t reflect.Type) []string {
	var paths []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for name, f := range jsonFields(t) {
			p := prefix + name
			paths = append(paths, p)
			if et := elemType(f.Type); et.Kind() == reflect.Struct && strings.HasPrefix(et.PkgPath(), ownModule) {
				walk(et, p+".")
			}
		}
	}
	walk(t, "")
	sort.Strings(paths)
	return paths
}

// TestReferenceFieldsExist checks that every field documented on Karmada's
// reference pages for the aggregated groups exists, under the same JSON name,
// in our Go types.
func TestReferenceFieldsExist(t *testing.T) {
	refDir := karmadaSubdir(t, "reference")

	tests := []struct {
		page   string       // reference page, relative to reference/
		kind   string       // section documenting the kind
		goType reflect.Type // our type for the kind
		// sample paths the page is known to document, to catch a parser
		// that silently finds nothing after a format change.
		sample []string
	}{
		{
			page:   "cluster-resources/cluster-v1alpha1.md",
			kind:   "Cluster",
			goType: reflect.TypeFor[clusterv1alpha1.Cluster](),
			sample: []string{"spec.syncMode", "spec.secretRef.namespace", "spec.resourceModels.ranges.max", "status.resourceSummary.allocatableModelings.grade"},
		},
		{
			page:   "cluster-resources/cluster-v1alpha1.md",
			kind:   "ClusterList",
			goType: reflect.TypeFor[clusterv1alpha1.ClusterList](),
			sample: []string{"items", "items.spec.apiEndpoint"},
		},
		{
			page:   "search-resources/resource-registry-v1alpha1.md",
			kind:   "ResourceRegistry",
			goType: reflect.TypeFor[searchv1alpha1.ResourceRegistry](),
			sample: []string{"spec.targetCluster.fieldSelector.matchExpressions", "spec.backendStore.openSearch.secretRef.name", "status.conditions"},
		},
		{
			page:   "search-resources/resource-registry-v1alpha1.md",
			kind:   "ResourceRegistryList",
			goType: reflect.TypeFor[searchv1alpha1.ResourceRegistryList](),
			sample: []string{"items", "items.spec.resourceSelectors.kind"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			sections := parseReferencePage(t, filepath.Join(refDir, filepath.FromSlash(tt.page)))
			documented := documentedPaths(sections, strings.ToLower(tt.kind))
			docSet := map[string]bool{}
			for _, p := range documented {
				docSet[p] = true
			}
			for _, p := range tt.sample {
				if !docSet[p] {
					t.Fatalf("parser did not find %q on %s; has the page format changed? found: %v", p, tt.page, documented)
				}
			}

			var missing []string
			for _, p := range documented {
				if !hasJSONPath(tt.goType, p) {
					missing = append(missing, p)
				}
			}
			// Fields we have but Karmada does not document are reported
			// only: clients ignore unknown fields, but they deserve a look.
			var extra []string
			for _, p := range goJSONPaths(tt.goType) {
				if !docSet[p] {
					extra = append(extra, p)
				}
			}

			t.Logf("%s (%s): %d documented fields, %d missing in %s, %d not documented",
				tt.kind, tt.page, len(documented), len(missing), tt.goType, len(extra))
			if len(extra) > 0 {
				t.Logf("fields of %s not on the reference page:\n  %s", tt.goType, strings.Join(extra, "\n  "))
			}
			if len(missing) > 0 {
				t.Errorf("documented fields missing in %s:\n  %s", tt.goType, strings.Join(missing, "\n  "))
			}
		})
	}
}
