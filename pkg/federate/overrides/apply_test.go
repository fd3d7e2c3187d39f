package overrides

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
)

func addLabels(labels map[string]string) policyv1alpha1.Overriders {
	return policyv1alpha1.Overriders{LabelsOverrider: []policyv1alpha1.LabelAnnotationOverrider{
		{Operator: policyv1alpha1.OverriderOpAdd, Value: labels},
	}}
}

func clusterPolicy(name string, rules ...policyv1alpha1.RuleWithCluster) policyv1alpha1.ClusterOverridePolicy {
	return policyv1alpha1.ClusterOverridePolicy{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       policyv1alpha1.OverrideSpec{OverrideRules: rules},
	}
}

func namespacedPolicy(name string, rules ...policyv1alpha1.RuleWithCluster) policyv1alpha1.OverridePolicy {
	return policyv1alpha1.OverridePolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name},
		Spec:       policyv1alpha1.OverrideSpec{OverrideRules: rules},
	}
}

func TestApply(t *testing.T) {
	// inOrder touches the same fields with overriders of several kinds, so
	// that the result shows the order they ran in.
	inOrder := policyv1alpha1.Overriders{
		Plaintext: []policyv1alpha1.PlaintextOverrider{
			{Path: "/metadata/labels/stage", Operator: policyv1alpha1.OverriderOpReplace, Value: rawJSON(`"plaintext"`)},
			{Path: "/spec/template/spec/containers/0/command/-", Operator: policyv1alpha1.OverriderOpAdd, Value: rawJSON(`"--plaintext"`)},
			{Path: "/spec/template/spec/containers/1/image", Operator: policyv1alpha1.OverriderOpReplace, Value: rawJSON(`"sidecar:plaintext"`)},
		},
		AnnotationsOverrider: []policyv1alpha1.LabelAnnotationOverrider{
			{Operator: policyv1alpha1.OverriderOpAdd, Value: map[string]string{"note": "annotations"}},
		},
		LabelsOverrider: []policyv1alpha1.LabelAnnotationOverrider{
			{Operator: policyv1alpha1.OverriderOpAdd, Value: map[string]string{"stage": "labels"}},
		},
		ArgsOverrider: []policyv1alpha1.CommandArgsOverrider{
			{ContainerName: "nginx", Operator: policyv1alpha1.OverriderOpAdd, Value: []string{"--args"}},
		},
		CommandOverrider: []policyv1alpha1.CommandArgsOverrider{
			{ContainerName: "nginx", Operator: policyv1alpha1.OverriderOpAdd, Value: []string{"--command"}},
		},
		ImageOverrider: []policyv1alpha1.ImageOverrider{
			{Component: policyv1alpha1.Registry, Operator: policyv1alpha1.OverriderOpReplace, Value: "mirror.example.com"},
			{Component: policyv1alpha1.Tag, Operator: policyv1alpha1.OverriderOpReplace, Value: "1.26"},
		},
	}
	const inOrderWant = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx
  namespace: default
  labels:
    app: nginx
    stage: plaintext
  annotations:
    note: annotations
spec:
  replicas: 2
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      initContainers:
      - name: init
        image: mirror.example.com/busybox:1.26
      containers:
      - name: nginx
        image: mirror.example.com/library/nginx:1.26
        command: ["nginx", "-g", "daemon off;", "--command", "--plaintext"]
        args: ["--args"]
      - name: sidecar
        image: sidecar:plaintext
`
	member1 := memberCluster("member1", map[string]string{"env": "prod"}, clusterv1alpha1.ClusterSpec{Region: "eu-west-1"})
	tests := []struct {
		name            string
		clusterPolicies []policyv1alpha1.ClusterOverridePolicy
		policies        []policyv1alpha1.OverridePolicy
		wantLabels      map[string]string
		want            string
		wantApplied     Applied
	}{
		{
			name: "cluster policies by name, then namespaced policies by name",
			clusterPolicies: []policyv1alpha1.ClusterOverridePolicy{
				clusterPolicy("b-cop", policyv1alpha1.RuleWithCluster{Overriders: addLabels(map[string]string{"owner": "b-cop", "b": "yes"})}),
				clusterPolicy("a-cop", policyv1alpha1.RuleWithCluster{Overriders: addLabels(map[string]string{"owner": "a-cop", "a": "yes"})}),
			},
			policies: []policyv1alpha1.OverridePolicy{
				namespacedPolicy("z-op", policyv1alpha1.RuleWithCluster{Overriders: addLabels(map[string]string{"owner": "z-op"})}),
				namespacedPolicy("m-op", policyv1alpha1.RuleWithCluster{Overriders: addLabels(map[string]string{"owner": "m-op", "m": "yes"})}),
			},
			wantLabels: map[string]string{"app": "nginx", "owner": "z-op", "a": "yes", "b": "yes", "m": "yes"},
			wantApplied: Applied{
				ClusterPolicies: []AppliedOverriders{
					{PolicyName: "a-cop", Overriders: addLabels(map[string]string{"owner": "a-cop", "a": "yes"})},
					{PolicyName: "b-cop", Overriders: addLabels(map[string]string{"owner": "b-cop", "b": "yes"})},
				},
				Policies: []AppliedOverriders{
					{PolicyName: "m-op", Overriders: addLabels(map[string]string{"owner": "m-op", "m": "yes"})},
					{PolicyName: "z-op", Overriders: addLabels(map[string]string{"owner": "z-op"})},
				},
			},
		},
		{
			name: "cluster policies alone",
			clusterPolicies: []policyv1alpha1.ClusterOverridePolicy{
				clusterPolicy("b-cop", policyv1alpha1.RuleWithCluster{Overriders: addLabels(map[string]string{"owner": "b-cop"})}),
				clusterPolicy("a-cop", policyv1alpha1.RuleWithCluster{Overriders: addLabels(map[string]string{"owner": "a-cop"})}),
			},
			wantLabels: map[string]string{"app": "nginx", "owner": "b-cop"},
			wantApplied: Applied{ClusterPolicies: []AppliedOverriders{
				{PolicyName: "a-cop", Overriders: addLabels(map[string]string{"owner": "a-cop"})},
				{PolicyName: "b-cop", Overriders: addLabels(map[string]string{"owner": "b-cop"})},
			}},
		},
		{
			name: "rules in order, only those targeting the cluster",
			policies: []policyv1alpha1.OverridePolicy{namespacedPolicy("op",
				policyv1alpha1.RuleWithCluster{Overriders: addLabels(map[string]string{"rule": "0"})},
				policyv1alpha1.RuleWithCluster{
					TargetCluster: &policyv1alpha1.ClusterAffinity{LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}}},
					Overriders:    addLabels(map[string]string{"rule": "1"}),
				},
				policyv1alpha1.RuleWithCluster{
					TargetCluster: &policyv1alpha1.ClusterAffinity{FieldSelector: fields("region", corev1.NodeSelectorOpIn, "us-east-1")},
					Overriders:    addLabels(map[string]string{"rule": "2"}),
				},
			)},
			wantLabels: map[string]string{"app": "nginx", "rule": "1"},
			wantApplied: Applied{Policies: []AppliedOverriders{
				{PolicyName: "op", Overriders: addLabels(map[string]string{"rule": "0"})},
				{PolicyName: "op", Overriders: addLabels(map[string]string{"rule": "1"})},
			}},
		},
		{
			name:        "overriders of a rule in the documented order",
			policies:    []policyv1alpha1.OverridePolicy{namespacedPolicy("op", policyv1alpha1.RuleWithCluster{Overriders: inOrder})},
			want:        inOrderWant,
			wantApplied: Applied{Policies: []AppliedOverriders{{PolicyName: "op", Overriders: inOrder}}},
		},
		{
			name: "no policy applies",
			policies: []policyv1alpha1.OverridePolicy{namespacedPolicy("op", policyv1alpha1.RuleWithCluster{
				TargetCluster: &policyv1alpha1.ClusterAffinity{ExcludeClusters: []string{"member1"}},
				Overriders:    addLabels(map[string]string{"rule": "0"}),
			})},
			want: deploymentManifest,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			template := deployment(t)
			got, applied, err := Apply(template, member1, tt.clusterPolicies, tt.policies)
			if err != nil {
				t.Fatalf("Apply() unexpected error: %v", err)
			}
			if tt.want != "" {
				if diff := cmp.Diff(object(t, tt.want).Object, got.Object); diff != "" {
					t.Errorf("Apply() object mismatch (-want +got):\n%s", diff)
				}
			}
			if tt.wantLabels != nil {
				if diff := cmp.Diff(tt.wantLabels, got.GetLabels()); diff != "" {
					t.Errorf("Apply() labels mismatch (-want +got):\n%s", diff)
				}
			}
			if diff := cmp.Diff(tt.wantApplied, applied); diff != "" {
				t.Errorf("Apply() applied mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(deployment(t).Object, template.Object); diff != "" {
				t.Errorf("Apply() modified the template (-want +got):\n%s", diff)
			}
		})
	}
}

func TestApplyErrors(t *testing.T) {
	member1 := memberCluster("member1", nil, clusterv1alpha1.ClusterSpec{})
	tests := []struct {
		name            string
		clusterPolicies []policyv1alpha1.ClusterOverridePolicy
		policies        []policyv1alpha1.OverridePolicy
		wantErr         string
		wantPrefix      bool
		notFound        bool
	}{
		{
			name: "plaintext path not found",
			policies: []policyv1alpha1.OverridePolicy{namespacedPolicy("nginx-op", policyv1alpha1.RuleWithCluster{
				Overriders: policyv1alpha1.Overriders{Plaintext: []policyv1alpha1.PlaintextOverrider{
					{Path: "/spec/replicas", Operator: policyv1alpha1.OverriderOpReplace, Value: rawJSON(`3`)},
					{Path: "/spec/foo", Operator: policyv1alpha1.OverriderOpReplace, Value: rawJSON(`"bar"`)},
				}},
			})},
			wantErr:  "overridepolicy default/nginx-op: overrideRules[0].overriders.plaintext[1]: path /spec/foo: not found",
			notFound: true,
		},
		{
			name: "deprecated form of a cluster policy",
			clusterPolicies: []policyv1alpha1.ClusterOverridePolicy{{
				ObjectMeta: metav1.ObjectMeta{Name: "mirror"},
				Spec: policyv1alpha1.OverrideSpec{Overriders: policyv1alpha1.Overriders{ImageOverrider: []policyv1alpha1.ImageOverrider{
					{Component: policyv1alpha1.Repository, Operator: policyv1alpha1.OverriderOpRemove},
				}}},
			}},
			wantErr: "clusteroverridepolicy mirror: overriders.imageOverrider[0]: the repository of an image cannot be removed",
		},
		{
			name: "field overrider in a later rule",
			policies: []policyv1alpha1.OverridePolicy{namespacedPolicy("cfg",
				policyv1alpha1.RuleWithCluster{Overriders: addLabels(map[string]string{"a": "b"})},
				policyv1alpha1.RuleWithCluster{Overriders: policyv1alpha1.Overriders{FieldOverrider: []policyv1alpha1.FieldOverrider{{
					FieldPath: "/data/missing",
					YAML:      []policyv1alpha1.YAMLPatchOperation{{SubPath: "/a", Operator: policyv1alpha1.OverriderOpRemove}},
				}}}},
			)},
			wantErr:  "overridepolicy default/cfg: overrideRules[1].overriders.fieldOverrider[0]: fieldPath /data/missing: not found",
			notFound: true,
		},
		{
			name: "image in a predicate path",
			policies: []policyv1alpha1.OverridePolicy{namespacedPolicy("img", policyv1alpha1.RuleWithCluster{
				Overriders: policyv1alpha1.Overriders{ImageOverrider: []policyv1alpha1.ImageOverrider{{
					Predicate: &policyv1alpha1.ImagePredicate{Path: "/spec/replicas"},
					Component: policyv1alpha1.Tag, Operator: policyv1alpha1.OverriderOpReplace, Value: "v1",
				}}},
			})},
			wantErr: "overridepolicy default/img: overrideRules[0].overriders.imageOverrider[0]: predicate.path /spec/replicas: holds a number, not an image string",
		},
		{
			name: "labels operator",
			policies: []policyv1alpha1.OverridePolicy{namespacedPolicy("lbl", policyv1alpha1.RuleWithCluster{
				Overriders: policyv1alpha1.Overriders{LabelsOverrider: []policyv1alpha1.LabelAnnotationOverrider{
					{Operator: policyv1alpha1.OverriderOpAdd, Value: map[string]string{"a": "b"}},
					{Operator: "upsert", Value: map[string]string{"a": "b"}},
				}},
			})},
			wantErr: `overridepolicy default/lbl: overrideRules[0].overriders.labelsOverrider[1]: unsupported operator "upsert"`,
		},
		{
			name: "invalid target cluster",
			policies: []policyv1alpha1.OverridePolicy{namespacedPolicy("bad-target", policyv1alpha1.RuleWithCluster{
				TargetCluster: &policyv1alpha1.ClusterAffinity{FieldSelector: fields("color", corev1.NodeSelectorOpIn, "blue")},
				Overriders:    addLabels(map[string]string{"a": "b"}),
			})},
			wantErr: `overridepolicy default/bad-target: overrideRules[0].targetCluster: fieldSelector.matchExpressions[0]: unsupported key "color": want "provider", "region" or "zone"`,
		},
		{
			name: "invalid resource selector",
			clusterPolicies: []policyv1alpha1.ClusterOverridePolicy{{
				ObjectMeta: metav1.ObjectMeta{Name: "bad-selector"},
				Spec: policyv1alpha1.OverrideSpec{ResourceSelectors: []policyv1alpha1.ResourceSelector{{
					APIVersion: "apps/v1", Kind: "Deployment",
					LabelSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Sometimes"}}},
				}}},
			}},
			wantErr:    "clusteroverridepolicy bad-selector: resourceSelectors[0]: labelSelector: ",
			wantPrefix: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			template := deployment(t)
			got, _, err := Apply(template, member1, tt.clusterPolicies, tt.policies)
			if err == nil {
				t.Fatalf("Apply() succeeded, want error %q", tt.wantErr)
			}
			if tt.wantPrefix && !strings.HasPrefix(err.Error(), tt.wantErr) || !tt.wantPrefix && err.Error() != tt.wantErr {
				t.Errorf("Apply() error = %q, want %q", err, tt.wantErr)
			}
			if errors.Is(err, ErrPathNotFound) != tt.notFound {
				t.Errorf("errors.Is(err, ErrPathNotFound) = %v, want %v", !tt.notFound, tt.notFound)
			}
			if got != nil {
				t.Errorf("Apply() returned an object with its error")
			}
			if diff := cmp.Diff(deployment(t).Object, template.Object); diff != "" {
				t.Errorf("Apply() modified the template (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAppliedAnnotations(t *testing.T) {
	mirror := policyv1alpha1.Overriders{ImageOverrider: []policyv1alpha1.ImageOverrider{
		{Component: policyv1alpha1.Registry, Operator: policyv1alpha1.OverriderOpReplace, Value: "mirror.example.com"},
	}}
	replicas := policyv1alpha1.Overriders{Plaintext: []policyv1alpha1.PlaintextOverrider{
		{Path: "/spec/replicas", Operator: policyv1alpha1.OverriderOpReplace, Value: rawJSON(`3`)},
	}}
	tests := []struct {
		name    string
		applied Applied
		want    map[string]string
	}{
		{name: "nothing applied", applied: Applied{}, want: map[string]string{}},
		{
			name:    "namespaced policies only",
			applied: Applied{Policies: []AppliedOverriders{{PolicyName: "nginx-op", Overriders: replicas}}},
			want: map[string]string{
				AppliedOverridesAnnotation: `[{"policyName":"nginx-op","overriders":{"plaintext":[{"path":"/spec/replicas","operator":"replace","value":3}]}}]`,
			},
		},
		{
			name: "both kinds",
			applied: Applied{
				ClusterPolicies: []AppliedOverriders{{PolicyName: "mirror", Overriders: mirror}, {PolicyName: "scale", Overriders: replicas}},
				Policies:        []AppliedOverriders{{PolicyName: "nginx-op", Overriders: policyv1alpha1.Overriders{}}},
			},
			want: map[string]string{
				AppliedClusterOverridesAnnotation: `[{"policyName":"mirror","overriders":{"imageOverrider":[{"component":"Registry","operator":"replace","value":"mirror.example.com"}]}},` +
					`{"policyName":"scale","overriders":{"plaintext":[{"path":"/spec/replicas","operator":"replace","value":3}]}}]`,
				AppliedOverridesAnnotation: `[{"policyName":"nginx-op","overriders":{}}]`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.applied.Annotations()
			if err != nil {
				t.Fatalf("Annotations() unexpected error: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Annotations() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAnnotationValueOfNothing(t *testing.T) {
	got, err := AnnotationValue(nil)
	if err != nil || got != "[]" {
		t.Errorf("AnnotationValue(nil) = %q, %v; want \"[]\"", got, err)
	}
}
