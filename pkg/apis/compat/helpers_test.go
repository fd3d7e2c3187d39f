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
	"os"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
	searchv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/search/v1alpha1"
	workv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha1"
	workv1alpha2 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha2"
)

// karmadaAPIDirEnv overrides where the Karmada reference data is read from.
const karmadaAPIDirEnv = "KARMADA_API_DIR"

// repoRoot is the repository root, relative to this package's directory
// (go test runs tests in the package directory).
var repoRoot = filepath.Join("..", "..", "..")

// karmadaAPIDir returns the folder holding Karmada's crds/, reference/ and
// samples/. It skips the test when the folder is absent, because the data is
// not part of the repository.
func karmadaAPIDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv(karmadaAPIDirEnv)
	if dir == "" {
		dir = filepath.Join(repoRoot, "..", "shared", "karmada-api")
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Skipf("Karmada API reference data not found at %s (set %s to point at it)", dir, karmadaAPIDirEnv)
	}
	return dir
}

// karmadaSubdir returns a sub-folder of the Karmada reference data, skipping
// the test when it is missing.
func karmadaSubdir(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(karmadaAPIDir(t), name)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Skipf("%s not found", dir)
	}
	return dir
}

// karmadaGroupVersions are the Karmada group versions fleetplane implements,
// each with the function that registers our Go types for it.
var karmadaGroupVersions = []struct {
	groupVersion string
	addToScheme  func(*runtime.Scheme) error
}{
	{clusterv1alpha1.SchemeGroupVersion.String(), clusterv1alpha1.AddToScheme},
	{policyv1alpha1.SchemeGroupVersion.String(), policyv1alpha1.AddToScheme},
	{workv1alpha1.SchemeGroupVersion.String(), workv1alpha1.AddToScheme},
	{workv1alpha2.SchemeGroupVersion.String(), workv1alpha2.AddToScheme},
	{searchv1alpha1.SchemeGroupVersion.String(), searchv1alpha1.AddToScheme},
}

// newScheme builds a scheme holding only our Karmada-compatible API types.
func newScheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	scheme := runtime.NewScheme()
	for _, gv := range karmadaGroupVersions {
		if err := gv.addToScheme(scheme); err != nil {
			t.Fatalf("registering %s: %v", gv.groupVersion, err)
		}
	}
	return scheme
}
