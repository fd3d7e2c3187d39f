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
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Resource names (plural, lower case) and kind names of the override policies.
const (
	// ResourceKindOverridePolicy is the kind of a namespaced override policy.
	ResourceKindOverridePolicy = "OverridePolicy"
	// ResourcePluralOverridePolicy is the REST resource name of OverridePolicy.
	ResourcePluralOverridePolicy = "overridepolicies"
	// ResourceKindClusterOverridePolicy is the kind of a cluster-scoped override policy.
	ResourceKindClusterOverridePolicy = "ClusterOverridePolicy"
	// ResourcePluralClusterOverridePolicy is the REST resource name of ClusterOverridePolicy.
	ResourcePluralClusterOverridePolicy = "clusteroverridepolicies"
)

// +genclient
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Namespaced,shortName=op,categories=karmada-io

// OverridePolicy rewrites resource templates of its namespace differently for
// different member clusters before they are applied there.
type OverridePolicy struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired override behaviour.
	// +required
	Spec OverrideSpec `json:"spec"`
}

// +kubebuilder:object:root=true

// OverridePolicyList is a list of OverridePolicy objects.
type OverridePolicyList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the policies in the list.
	Items []OverridePolicy `json:"items"`
}

// +genclient
// +genclient:nonNamespaced
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,shortName=cop,categories=karmada-io

// ClusterOverridePolicy is the cluster-scoped form of OverridePolicy: it can
// rewrite cluster-scoped resource templates and namespaced ones in any
// namespace.
type ClusterOverridePolicy struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired override behaviour.
	// +required
	Spec OverrideSpec `json:"spec"`
}

// +kubebuilder:object:root=true

// ClusterOverridePolicyList is a list of ClusterOverridePolicy objects.
type ClusterOverridePolicyList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the policies in the list.
	Items []ClusterOverridePolicy `json:"items"`
}

// OverrideSpec is the body shared by OverridePolicy and ClusterOverridePolicy.
// +kubebuilder:validation:XValidation:rule="!has(self.overrideRules) || (!has(self.targetCluster) && (!has(self.overriders) || ((!has(self.overriders.plaintext) || size(self.overriders.plaintext) == 0) && (!has(self.overriders.imageOverrider) || size(self.overriders.imageOverrider) == 0) && (!has(self.overriders.commandOverrider) || size(self.overriders.commandOverrider) == 0) && (!has(self.overriders.argsOverrider) || size(self.overriders.argsOverrider) == 0) && (!has(self.overriders.labelsOverrider) || size(self.overriders.labelsOverrider) == 0) && (!has(self.overriders.annotationsOverrider) || size(self.overriders.annotationsOverrider) == 0) && (!has(self.overriders.fieldOverrider) || size(self.overriders.fieldOverrider) == 0))))",message="overrideRules can not co-exist with the deprecated targetCluster or overriders"
type OverrideSpec struct {
	// ResourceSelectors picks the resource templates the policy rewrites.
	// Nil or empty matches every resource.
	// +optional
	ResourceSelectors []ResourceSelector `json:"resourceSelectors,omitempty"`

	// OverrideRules are applied in order; each rule rewrites the resources
	// propagated to the clusters it targets.
	// +optional
	OverrideRules []RuleWithCluster `json:"overrideRules,omitempty"`

	// TargetCluster restricts Overriders to resources propagated to the
	// matching clusters; nil matches every cluster.
	// Deprecated: use OverrideRules instead. It cannot be combined with
	// OverrideRules.
	// +optional
	TargetCluster *ClusterAffinity `json:"targetCluster,omitempty"`

	// Overriders are the rewrites applied to the clusters of TargetCluster.
	// Deprecated: use OverrideRules instead. It cannot be combined with
	// OverrideRules.
	// +optional
	Overriders Overriders `json:"overriders,omitempty"`
}

// RuleWithCluster pairs a set of rewrites with the clusters they apply to.
type RuleWithCluster struct {
	// TargetCluster selects the clusters the rule applies to; nil matches
	// every cluster.
	// +optional
	TargetCluster *ClusterAffinity `json:"targetCluster,omitempty"`

	// Overriders are the rewrites of the rule.
	// +required
	Overriders Overriders `json:"overriders"`
}

// Overriders groups rewrites by kind. They are applied in this order:
// ImageOverrider, CommandOverrider, ArgsOverrider, LabelsOverrider,
// AnnotationsOverrider, FieldOverrider, Plaintext.
type Overriders struct {
	// Plaintext rewrites fields given by a JSON pointer path.
	// +optional
	Plaintext []PlaintextOverrider `json:"plaintext,omitempty"`

	// ImageOverrider rewrites container images.
	// +optional
	ImageOverrider []ImageOverrider `json:"imageOverrider,omitempty"`

	// CommandOverrider rewrites container commands.
	// +optional
	CommandOverrider []CommandArgsOverrider `json:"commandOverrider,omitempty"`

	// ArgsOverrider rewrites container arguments.
	// +optional
	ArgsOverrider []CommandArgsOverrider `json:"argsOverrider,omitempty"`

	// LabelsOverrider rewrites the resource's labels.
	// +optional
	LabelsOverrider []LabelAnnotationOverrider `json:"labelsOverrider,omitempty"`

	// AnnotationsOverrider rewrites the resource's annotations.
	// +optional
	AnnotationsOverrider []LabelAnnotationOverrider `json:"annotationsOverrider,omitempty"`

	// FieldOverrider rewrites parts of a structured (JSON or YAML) document
	// held in a string field, such as a key of a ConfigMap.
	// +optional
	FieldOverrider []FieldOverrider `json:"fieldOverrider,omitempty"`
}

// OverriderOperator is the operation an overrider performs.
type OverriderOperator string

const (
	// OverriderOpAdd adds the value.
	OverriderOpAdd OverriderOperator = "add"
	// OverriderOpRemove removes the value.
	OverriderOpRemove OverriderOperator = "remove"
	// OverriderOpReplace replaces the current value.
	OverriderOpReplace OverriderOperator = "replace"
)

// LabelAnnotationOverrider adds, removes or replaces labels or annotations.
type LabelAnnotationOverrider struct {
	// Operator is "add", "remove" or "replace".
	// +required
	// +kubebuilder:validation:Enum=add;remove;replace
	Operator OverriderOperator `json:"operator"`

	// Value holds the entries: with "add" they are added, with "remove" the
	// matching keys are deleted and with "replace" the values of existing
	// keys are replaced.
	// +required
	Value map[string]string `json:"value"`
}

// ImageOverrider rewrites one component of container image references, which
// are read as [registry/]repository[:tag|@digest].
type ImageOverrider struct {
	// Predicate restricts the rule to the image at one path. When nil the
	// images of the containers of Pods, ReplicaSets, Deployments,
	// StatefulSets, DaemonSets and Jobs are found automatically.
	// +optional
	Predicate *ImagePredicate `json:"predicate,omitempty"`

	// Component is the part of the image reference to rewrite: "Registry",
	// "Repository" or "Tag".
	// +required
	// +kubebuilder:validation:Enum=Registry;Repository;Tag
	Component ImageComponent `json:"component"`

	// Operator is "add", "remove" or "replace".
	// +required
	// +kubebuilder:validation:Enum=add;remove;replace
	Operator OverriderOperator `json:"operator"`

	// Value is the new content of the component. It must be set for "add"
	// and "replace" and is ignored for "remove".
	// +optional
	Value string `json:"value,omitempty"`
}

// ImagePredicate selects the image field an ImageOverrider rewrites.
type ImagePredicate struct {
	// Path is the JSON pointer of the image field, e.g.
	// "/spec/template/spec/containers/0/image".
	// +required
	Path string `json:"path"`
}

// ImageComponent is one part of an image reference.
type ImageComponent string

const (
	// Registry is the host (and port) part, e.g. "registry.k8s.io".
	Registry ImageComponent = "Registry"
	// Repository is the path part, e.g. "fictional/nginx".
	Repository ImageComponent = "Repository"
	// Tag is the tag or digest part, e.g. "v1.19.1".
	Tag ImageComponent = "Tag"
)

// CommandArgsOverrider adds or removes items of a container's command or
// arguments.
type CommandArgsOverrider struct {
	// ContainerName is the container to rewrite.
	// +required
	ContainerName string `json:"containerName"`

	// Operator is "add" (append Value) or "remove" (delete items equal to
	// one in Value).
	// +required
	// +kubebuilder:validation:Enum=add;remove
	Operator OverriderOperator `json:"operator"`

	// Value holds the items to add or remove. Empty leaves the list as it is.
	// +optional
	Value []string `json:"value,omitempty"`
}

// PlaintextOverrider sets, replaces or removes the field at a JSON pointer path.
type PlaintextOverrider struct {
	// Path is the JSON pointer of the field, e.g. "/spec/replicas".
	// +required
	Path string `json:"path"`

	// Operator is "add", "remove" or "replace".
	// +required
	// +kubebuilder:validation:Enum=add;remove;replace
	Operator OverriderOperator `json:"operator"`

	// Value is the new value of the field, of any JSON type. It must be
	// empty with "remove".
	// +optional
	Value apiextensionsv1.JSON `json:"value,omitempty"`
}

// FieldOverrider edits a JSON or YAML document stored in a string field of a
// resource, such as a configuration file in a ConfigMap. One overrider edits
// either JSON or YAML, not both.
// +kubebuilder:validation:XValidation:rule="!(has(self.json) && size(self.json) > 0 && has(self.yaml) && size(self.yaml) > 0)",message="json and yaml can not be set together"
type FieldOverrider struct {
	// FieldPath is the JSON pointer (RFC 6901) of the string field holding
	// the document, e.g. "/data/db-config.yaml".
	// +required
	FieldPath string `json:"fieldPath"`

	// JSON lists the edits of a JSON document.
	// +optional
	JSON []JSONPatchOperation `json:"json,omitempty"`

	// YAML lists the edits of a YAML document.
	// +optional
	YAML []YAMLPatchOperation `json:"yaml,omitempty"`
}

// JSONPatchOperation is one edit of a JSON document.
type JSONPatchOperation struct {
	// SubPath is the JSON pointer (RFC 6901) inside the document to edit.
	// +required
	SubPath string `json:"subPath"`

	// Operator is "add", "remove" or "replace".
	// +required
	// +kubebuilder:validation:Enum=add;remove;replace
	Operator OverriderOperator `json:"operator"`

	// Value is the value to add or replace with; ignored by "remove".
	// +optional
	Value apiextensionsv1.JSON `json:"value,omitempty"`
}

// YAMLPatchOperation is one edit of a YAML document.
type YAMLPatchOperation struct {
	// SubPath is the JSON pointer (RFC 6901) inside the document to edit.
	// +required
	SubPath string `json:"subPath"`

	// Operator is "add", "remove" or "replace".
	// +required
	// +kubebuilder:validation:Enum=add;remove;replace
	Operator OverriderOperator `json:"operator"`

	// Value is the value to add or replace with; ignored by "remove".
	// +optional
	Value apiextensionsv1.JSON `json:"value,omitempty"`
}
