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

	"k8s.io/apimachinery/pkg/conversion"
	"k8s.io/apimachinery/pkg/runtime"
)

func init() {
	localSchemeBuilder.Register(addConversionFuncs)
}

// addConversionFuncs registers the conversion the API server's parameter
// codec needs to decode the query string of a clusters/{name}/proxy request
// into ClusterProxyOptions.
func addConversionFuncs(scheme *runtime.Scheme) error {
	return scheme.AddConversionFunc((*url.Values)(nil), (*ClusterProxyOptions)(nil),
		func(a, b interface{}, scope conversion.Scope) error {
			return Convert_url_Values_To_v1alpha1_ClusterProxyOptions(a.(*url.Values), b.(*ClusterProxyOptions), scope)
		})
}

// Convert_url_Values_To_v1alpha1_ClusterProxyOptions fills out from the
// "path" query parameter of in. When the parameter is repeated the first value
// wins, as with Kubernetes' generated query conversions; a missing parameter
// leaves Path empty.
//
//nolint:revive,staticcheck // the name follows the conversion-gen convention.
func Convert_url_Values_To_v1alpha1_ClusterProxyOptions(in *url.Values, out *ClusterProxyOptions, _ conversion.Scope) error {
	out.Path = ""
	if values, ok := map[string][]string(*in)["path"]; ok && len(values) > 0 {
		out.Path = values[0]
	}
	return nil
}
