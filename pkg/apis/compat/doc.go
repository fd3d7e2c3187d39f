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

// Package compat holds no production code: its tests check that fleetplane's
// API types stay wire-compatible with Karmada. They decode Karmada's sample
// manifests strictly into our types, compare our generated CRD schemas with
// Karmada's published ones field by field, and compare the types of the
// aggregated groups (cluster.karmada.io, search.karmada.io), which have no
// CRDs, with Karmada's API reference pages.
//
// The Karmada reference data is read from ../shared/karmada-api next to the
// repository, or from the directory named by the KARMADA_API_DIR environment
// variable.
package compat
