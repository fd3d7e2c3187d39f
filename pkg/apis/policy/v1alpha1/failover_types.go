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

// FailoverBehavior describes how applications are moved away from failures.
type FailoverBehavior struct {
	// Application configures failover when the application itself fails in
	// a cluster. Nil disables application failover. When set, PropagateDeps
	// should be true so that dependencies move with the application.
	// +optional
	Application *ApplicationFailoverBehavior `json:"application,omitempty"`

	// Cluster configures failover when a whole cluster fails. Nil leaves it
	// to the controller's default no-execute taint eviction purge mode.
	// +optional
	Cluster *ClusterFailoverBehavior `json:"cluster,omitempty"`
}

// ApplicationFailoverBehavior configures failover on application failure.
type ApplicationFailoverBehavior struct {
	// DecisionConditions must all hold before a failover starts.
	// +required
	DecisionConditions DecisionConditions `json:"decisionConditions"`

	// PurgeMode says what happens to the application left behind in the
	// cluster it is moved away from: "Directly", "Gracefully" (the default)
	// or "Never".
	// +optional
	// +kubebuilder:default=Gracefully
	// +kubebuilder:validation:Enum=Directly;Gracefully;Never
	PurgeMode PurgeMode `json:"purgeMode,omitempty"`

	// GracePeriodSeconds is, with the "Gracefully" purge mode, the longest
	// time to wait for the application to become healthy in its new cluster
	// before removing it from the old one (600 seconds when unset). It must
	// be positive.
	// +optional
	// +kubebuilder:validation:Minimum=1
	GracePeriodSeconds *int32 `json:"gracePeriodSeconds,omitempty"`

	// StatePreservation carries state of a stateful application over to the
	// cluster it moves to. Nil preserves nothing. Needs the alpha
	// StatefulFailoverInjection feature gate.
	// +optional
	StatePreservation *StatePreservation `json:"statePreservation,omitempty"`
}

// DecisionConditions are the conditions for starting an application failover.
type DecisionConditions struct {
	// TolerationSeconds is how long an application may stay unhealthy before
	// failover starts. Defaults to 300; 0 fails over at once.
	// +optional
	// +kubebuilder:default=300
	// +kubebuilder:validation:Minimum=0
	TolerationSeconds *int32 `json:"tolerationSeconds,omitempty"`
}

// ClusterFailoverBehavior configures failover on cluster failure.
type ClusterFailoverBehavior struct {
	// PurgeMode says what happens to the application left behind in the
	// failed cluster: "Directly" or "Gracefully" (the default).
	// +optional
	// +kubebuilder:default=Gracefully
	// +kubebuilder:validation:Enum=Directly;Gracefully
	PurgeMode PurgeMode `json:"purgeMode,omitempty"`

	// StatePreservation carries state of a stateful application over to the
	// cluster it moves to. Nil preserves nothing. Needs the alpha
	// StatefulFailoverInjection feature gate.
	// +optional
	StatePreservation *StatePreservation `json:"statePreservation,omitempty"`
}

// StatePreservation lists the pieces of state to carry over on failover.
type StatePreservation struct {
	// Rules each extract one piece of state from the old resource and pass
	// it to the new cluster as a label.
	// +required
	Rules []StatePreservationRule `json:"rules"`
}

// StatePreservationRule extracts one piece of state for failover.
type StatePreservationRule struct {
	// AliasLabelName is the label key under which the extracted value is
	// handed to the new cluster.
	// +required
	AliasLabelName string `json:"aliasLabelName"`

	// JSONPath is a Kubernetes JSONPath template evaluated against the
	// resource's status (so "{.availableReplicas}", not
	// "{.status.availableReplicas}").
	// +required
	JSONPath string `json:"jsonPath"`
}

// PurgeMode says how an application is removed from the cluster it is moved
// away from.
type PurgeMode string

const (
	// PurgeModeDirectly removes it at once.
	PurgeModeDirectly PurgeMode = "Directly"
	// PurgeModeGracefully removes it once the application is healthy in its
	// new cluster, or when the grace period ends.
	PurgeModeGracefully PurgeMode = "Gracefully"
	// PurgeModeNever leaves it in place.
	PurgeModeNever PurgeMode = "Never"
)
