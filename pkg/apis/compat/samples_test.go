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
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// sampleDoc is one YAML document of a sample manifest file.
type sampleDoc struct {
	dir  string // sample directory, relative to samples/
	name string // subtest name: file, plus document index when several
	data []byte
}

// readSampleDocs splits every YAML file under root into its documents,
// dropping documents that hold only comments or whitespace.
func readSampleDocs(t *testing.T, root string) []sampleDoc {
	t.Helper()
	var docs []sampleDoc
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if ext := filepath.Ext(p); ext != ".yaml" && ext != ".yml" {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(raw)))
		var fileDocs [][]byte
		for {
			doc, err := reader.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return err
			}
			if isBlankYAML(doc) {
				continue
			}
			fileDocs = append(fileDocs, doc)
		}
		for i, doc := range fileDocs {
			name := filepath.ToSlash(rel)
			if len(fileDocs) > 1 {
				name += "#" + strconv.Itoa(i)
			}
			docs = append(docs, sampleDoc{dir: filepath.ToSlash(filepath.Dir(rel)), name: name, data: doc})
		}
		return nil
	})
	if err != nil {
		t.Fatalf("reading samples under %s: %v", root, err)
	}
	return docs
}

// isBlankYAML tells whether a YAML document has no content besides comments.
func isBlankYAML(doc []byte) bool {
	for _, line := range strings.Split(string(doc), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") && line != "---" {
			return false
		}
	}
	return true
}

// TestSamplesDecodeStrictly decodes every Karmada object of Karmada's sample
// manifests into our Go types with a strict decoder, the way kube-apiserver
// handles fieldValidation=Strict: a field we do not know, a duplicate field or
// a value of the wrong type fails the test. Objects of other API groups
// (Deployments, CRDs, custom resources) are skipped.
func TestSamplesDecodeStrictly(t *testing.T) {
	samplesDir := karmadaSubdir(t, "samples")
	scheme := newScheme(t)
	ours := map[string]bool{}
	for _, gv := range karmadaGroupVersions {
		ours[gv.groupVersion] = true
	}
	strict := json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme, scheme,
		json.SerializerOptions{Yaml: true, Strict: true})

	docs := readSampleDocs(t, samplesDir)
	if len(docs) == 0 {
		t.Fatalf("no YAML documents under %s", samplesDir)
	}
	decodedPerDir := map[string]int{}
	for _, doc := range docs {
		decodedPerDir[doc.dir] += 0
		t.Run(doc.name, func(t *testing.T) {
			var tm metav1.TypeMeta
			if err := yaml.Unmarshal(doc.data, &tm); err != nil {
				t.Fatalf("reading apiVersion and kind: %v", err)
			}
			gv, err := schema.ParseGroupVersion(tm.APIVersion)
			if err != nil {
				t.Fatalf("bad apiVersion %q: %v", tm.APIVersion, err)
			}
			if !ours[gv.String()] {
				if strings.HasSuffix(gv.Group, ".karmada.io") {
					t.Skipf("%s %s: Karmada group version not implemented by fleetplane", tm.APIVersion, tm.Kind)
				}
				t.Skipf("%s %s: not a Karmada API object", tm.APIVersion, tm.Kind)
			}
			gvk := gv.WithKind(tm.Kind)
			into, err := scheme.New(gvk)
			if err != nil {
				t.Fatalf("no Go type registered for %s: %v", gvk, err)
			}
			obj, _, err := strict.Decode(doc.data, &gvk, into)
			if err != nil {
				t.Fatalf("strict decoding of %s into %T failed: %v", gvk, into, err)
			}
			if obj != into {
				t.Fatalf("decoded into %T, want the registered type %T", obj, into)
			}
			decodedPerDir[doc.dir]++
		})
	}

	dirs := make([]string, 0, len(decodedPerDir))
	for dir := range decodedPerDir {
		dirs = append(dirs, dir)
	}
	sort.Strings(dirs)
	for _, dir := range dirs {
		t.Logf("samples/%s: %d Karmada objects decoded strictly", dir, decodedPerDir[dir])
		if decodedPerDir[dir] == 0 {
			t.Errorf("samples/%s: no Karmada object was decoded; every sample is expected to contain at least one", dir)
		}
	}
}
