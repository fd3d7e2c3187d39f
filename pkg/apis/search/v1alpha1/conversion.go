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

// addConversionFuncs registers the conversions the API server's parameter
// codec needs to decode the query string of a proxying or search request into
// its options: only the "path" the server puts there; every other parameter
// belongs to the Kubernetes request and is read from the URL as is.
func addConversionFuncs(scheme *runtime.Scheme) error {
	if err := scheme.AddConversionFunc((*url.Values)(nil), (*ProxyOptions)(nil),
		func(a, b interface{}, _ conversion.Scope) error {
			b.(*ProxyOptions).Path = firstValue(a.(*url.Values), "path")
			return nil
		}); err != nil {
		return err
	}
	return scheme.AddConversionFunc((*url.Values)(nil), (*SearchOptions)(nil),
		func(a, b interface{}, _ conversion.Scope) error {
			b.(*SearchOptions).Path = firstValue(a.(*url.Values), "path")
			return nil
		})
}

// firstValue is the first value of a parameter, as Kubernetes' generated query
// conversions read repeated parameters, or "".
func firstValue(in *url.Values, key string) string {
	if values := (*in)[key]; len(values) > 0 {
		return values[0]
	}
	return ""
}
