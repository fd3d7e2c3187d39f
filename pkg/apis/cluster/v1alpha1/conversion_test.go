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
	"net/url"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
)

// TestClusterProxyOptionsFromQuery checks that the parameter codec an API
// server builds from this group's scheme can turn the query string of a
// clusters/{name}/proxy request into ClusterProxyOptions.
func TestClusterProxyOptionsFromQuery(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := AddToScheme(scheme); err != nil {
		t.Fatalf("AddToScheme: %v", err)
	}
	codec := runtime.NewParameterCodec(scheme)

	tests := []struct {
		name  string
		query url.Values
		want  string
	}{
		{name: "path set", query: url.Values{"path": {"/api/v1/pods"}}, want: "/api/v1/pods"},
		{name: "first value wins", query: url.Values{"path": {"/a", "/b"}}, want: "/a"},
		{name: "no path", query: url.Values{"watch": {"true"}}, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := &ClusterProxyOptions{Path: "stale"}
			if err := codec.DecodeParameters(tt.query, SchemeGroupVersion, opts); err != nil {
				t.Fatalf("DecodeParameters: %v", err)
			}
			if opts.Path != tt.want {
				t.Errorf("Path = %q, want %q", opts.Path, tt.want)
			}
		})
	}
}
