package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
	workv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha1"
	"github.com/fleetplane/fleetplane/test/e2e/framework"
)

// The override tests propagate each template to member1 and member2 and override it
// for member1 only, so that every check compares an overridden copy with a plain one.

const templateImage = "registry.k8s.io/pause:3.10"

// TestOverrideEachOverrider applies one OverridePolicy per overrider kind, each to its
// own Deployment.
func TestOverrideEachOverrider(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	ns := fleetNamespace(ctx, t, sb, "e2e-overriders")
	karmada := sb.Karmada(t)
	createObject(ctx, t, karmada, propagationPolicy(ns, "all", policyv1alpha1.ResourceSelector{APIVersion: "apps/v1", Kind: "Deployment"},
		duplicated(&policyv1alpha1.ClusterAffinity{ClusterNames: []string{framework.Member1, framework.Member2}})))

	tests := []struct {
		name       string
		overriders policyv1alpha1.Overriders
		// overridden tells whether a member's copy carries the override; the
		// copy on member2 must not.
		overridden func(d *appsv1.Deployment) bool
	}{
		{
			name: "image",
			overriders: policyv1alpha1.Overriders{ImageOverrider: []policyv1alpha1.ImageOverrider{
				{Component: policyv1alpha1.Registry, Operator: policyv1alpha1.OverriderOpReplace, Value: "mirror.example.com"},
			}},
			overridden: func(d *appsv1.Deployment) bool { return container(d).Image == "mirror.example.com/pause:3.10" },
		},
		{
			name: "command",
			overriders: policyv1alpha1.Overriders{CommandOverrider: []policyv1alpha1.CommandArgsOverrider{
				{ContainerName: "app", Operator: policyv1alpha1.OverriderOpAdd, Value: []string{"/pause"}},
			}},
			overridden: func(d *appsv1.Deployment) bool { return slices.Equal(container(d).Command, []string{"/pause"}) },
		},
		{
			name: "args",
			overriders: policyv1alpha1.Overriders{ArgsOverrider: []policyv1alpha1.CommandArgsOverrider{
				{ContainerName: "app", Operator: policyv1alpha1.OverriderOpAdd, Value: []string{"--v=4", "--region=us-east-1a"}},
			}},
			overridden: func(d *appsv1.Deployment) bool {
				return slices.Equal(container(d).Args, []string{"--v=4", "--region=us-east-1a"})
			},
		},
		{
			name: "labels",
			overriders: policyv1alpha1.Overriders{LabelsOverrider: []policyv1alpha1.LabelAnnotationOverrider{
				{Operator: policyv1alpha1.OverriderOpAdd, Value: map[string]string{"tier": "edge"}},
			}},
			overridden: func(d *appsv1.Deployment) bool { return d.Labels["tier"] == "edge" },
		},
		{
			name: "annotations",
			overriders: policyv1alpha1.Overriders{AnnotationsOverrider: []policyv1alpha1.LabelAnnotationOverrider{
				{Operator: policyv1alpha1.OverriderOpAdd, Value: map[string]string{"example.com/owner": "team-a"}},
			}},
			overridden: func(d *appsv1.Deployment) bool { return d.Annotations["example.com/owner"] == "team-a" },
		},
		{
			name: "plaintext",
			overriders: policyv1alpha1.Overriders{Plaintext: []policyv1alpha1.PlaintextOverrider{
				{Operator: policyv1alpha1.OverriderOpAdd, Path: "/metadata/labels/plaintext", Value: rawJSON(`"yes"`)},
				{Operator: policyv1alpha1.OverriderOpReplace, Path: "/spec/template/spec/containers/0/imagePullPolicy", Value: rawJSON(`"Always"`)},
			}},
			overridden: func(d *appsv1.Deployment) bool {
				return d.Labels["plaintext"] == "yes" && container(d).ImagePullPolicy == corev1.PullAlways
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			name := "web-" + tt.name
			createObject(ctx, t, karmada, &policyv1alpha1.OverridePolicy{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
				Spec: policyv1alpha1.OverrideSpec{
					ResourceSelectors: []policyv1alpha1.ResourceSelector{deploymentSelector(name)},
					OverrideRules: []policyv1alpha1.RuleWithCluster{{
						TargetCluster: &policyv1alpha1.ClusterAffinity{ClusterNames: []string{framework.Member1}},
						Overriders:    tt.overriders,
					}},
				},
			})
			createDeployment(ctx, t, sb, framework.Deployment(ns, name, 1))
			waitMemberDeployment(ctx, t, sb, framework.Member1, ns, name, "the "+tt.name+" override", tt.overridden)
			plain := waitMemberDeployment(ctx, t, sb, framework.Member2, ns, name, "a copy", func(*appsv1.Deployment) bool { return true })
			if tt.overridden(plain) || container(plain).Image != templateImage {
				t.Errorf("member2, which no rule targets, got the override: %s", describeDeployment(plain))
			}
		})
	}
}

// TestOverrideFieldOverrider edits a JSON and a YAML document held in ConfigMap keys.
func TestOverrideFieldOverrider(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	ns := fleetNamespace(ctx, t, sb, "e2e-field")
	karmada := sb.Karmada(t)
	const (
		jsonDoc = "{\n  \"db\": {\n    \"host\": \"localhost\",\n    \"port\": 5432\n  },\n  \"debug\": false\n}\n"
		yamlDoc = "db:\n  host: localhost\n  port: 5432\ndebug: false\n"
	)
	createObject(ctx, t, karmada, propagationPolicy(ns, "settings", policyv1alpha1.ResourceSelector{APIVersion: "v1", Kind: "ConfigMap", Name: "settings"},
		duplicated(&policyv1alpha1.ClusterAffinity{ClusterNames: []string{framework.Member1, framework.Member2}})))
	createObject(ctx, t, karmada, &policyv1alpha1.OverridePolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "settings"},
		Spec: policyv1alpha1.OverrideSpec{
			ResourceSelectors: []policyv1alpha1.ResourceSelector{{APIVersion: "v1", Kind: "ConfigMap", Name: "settings"}},
			OverrideRules: []policyv1alpha1.RuleWithCluster{{
				TargetCluster: &policyv1alpha1.ClusterAffinity{ClusterNames: []string{framework.Member1}},
				Overriders: policyv1alpha1.Overriders{FieldOverrider: []policyv1alpha1.FieldOverrider{
					{FieldPath: "/data/config.json", JSON: []policyv1alpha1.JSONPatchOperation{
						{SubPath: "/db/host", Operator: policyv1alpha1.OverriderOpReplace, Value: rawJSON(`"db.member1"`)},
						{SubPath: "/debug", Operator: policyv1alpha1.OverriderOpReplace, Value: rawJSON(`true`)},
					}},
					{FieldPath: "/data/config.yaml", YAML: []policyv1alpha1.YAMLPatchOperation{
						{SubPath: "/db/host", Operator: policyv1alpha1.OverriderOpReplace, Value: rawJSON(`"db.member1"`)},
						{SubPath: "/db/replicas", Operator: policyv1alpha1.OverriderOpAdd, Value: rawJSON(`2`)},
					}},
				}},
			}},
		},
	})
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "settings"},
		Data:       map[string]string{"config.json": jsonDoc, "config.yaml": yamlDoc},
	}
	if _, err := sb.Client(t, framework.ControlPlane).CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	type settings struct {
		DB struct {
			Host     string `json:"host"`
			Port     int    `json:"port"`
			Replicas int    `json:"replicas"`
		} `json:"db"`
		Debug bool `json:"debug"`
	}
	var fromJSON, fromYAML settings
	waitMemberConfigMap(ctx, t, sb, framework.Member1, ns, "settings", "the overridden documents", func(cm *corev1.ConfigMap) bool {
		fromJSON, fromYAML = settings{}, settings{}
		return json.Unmarshal([]byte(cm.Data["config.json"]), &fromJSON) == nil && fromJSON.DB.Host == "db.member1" &&
			yaml.Unmarshal([]byte(cm.Data["config.yaml"]), &fromYAML) == nil && fromYAML.DB.Host == "db.member1"
	})
	if fromJSON.DB.Port != 5432 || !fromJSON.Debug {
		t.Errorf("member1 config.json = %+v, want port 5432 kept and debug true", fromJSON)
	}
	if fromYAML.DB.Port != 5432 || fromYAML.DB.Replicas != 2 || fromYAML.Debug {
		t.Errorf("member1 config.yaml = %+v, want port 5432 and debug false kept, replicas 2 added", fromYAML)
	}
	plain := waitMemberConfigMap(ctx, t, sb, framework.Member2, ns, "settings", "a copy", func(*corev1.ConfigMap) bool { return true })
	if plain.Data["config.json"] != jsonDoc || plain.Data["config.yaml"] != yamlDoc {
		t.Errorf("member2, which no rule targets, got changed documents: %q", plain.Data)
	}
}

// TestOverrideClusterPolicyFirst sets the same label with a ClusterOverridePolicy and
// an OverridePolicy: the namespace's policy is applied last and wins, and the Work
// records both.
func TestOverrideClusterPolicyFirst(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	ns := fleetNamespace(ctx, t, sb, "e2e-cop")
	karmada := sb.Karmada(t)
	member1Only := &policyv1alpha1.ClusterAffinity{ClusterNames: []string{framework.Member1}}
	labels := func(v map[string]string) policyv1alpha1.Overriders {
		return policyv1alpha1.Overriders{LabelsOverrider: []policyv1alpha1.LabelAnnotationOverrider{{Operator: policyv1alpha1.OverriderOpAdd, Value: v}}}
	}
	createObject(ctx, t, karmada, propagationPolicy(ns, "web", deploymentSelector("web"),
		duplicated(&policyv1alpha1.ClusterAffinity{ClusterNames: []string{framework.Member1, framework.Member2}})))
	// The ClusterOverridePolicy selects this test's Deployment only.
	cop := &policyv1alpha1.ClusterOverridePolicy{
		ObjectMeta: metav1.ObjectMeta{Name: framework.RandomName("e2e-cop")},
		Spec: policyv1alpha1.OverrideSpec{
			ResourceSelectors: []policyv1alpha1.ResourceSelector{{APIVersion: "apps/v1", Kind: "Deployment", Namespace: ns, Name: "web"}},
			OverrideRules:     []policyv1alpha1.RuleWithCluster{{TargetCluster: member1Only, Overriders: labels(map[string]string{"tier": "cluster", "from-cluster-policy": "yes"})}},
		},
	}
	createObject(ctx, t, karmada, cop)
	createObject(ctx, t, karmada, &policyv1alpha1.OverridePolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web-op"},
		Spec: policyv1alpha1.OverrideSpec{
			ResourceSelectors: []policyv1alpha1.ResourceSelector{deploymentSelector("web")},
			OverrideRules:     []policyv1alpha1.RuleWithCluster{{TargetCluster: member1Only, Overriders: labels(map[string]string{"tier": "namespace"})}},
		},
	})
	createDeployment(ctx, t, sb, framework.Deployment(ns, "web", 1))

	d := waitMemberDeployment(ctx, t, sb, framework.Member1, ns, "web", "both policies' labels", func(d *appsv1.Deployment) bool {
		return d.Labels["from-cluster-policy"] == "yes" && d.Labels["tier"] != ""
	})
	if d.Labels["tier"] != "namespace" {
		t.Errorf("member1 label tier = %q, want the OverridePolicy's %q applied after the ClusterOverridePolicy's", d.Labels["tier"], "namespace")
	}

	work := waitWork(ctx, t, karmada, framework.Member1, ns, "web-deployment", "the applied overrides annotations", func(w *workv1alpha1.Work) bool {
		return w.Annotations["policy.karmada.io/applied-overrides"] != "" && w.Annotations["policy.karmada.io/applied-cluster-overrides"] != ""
	})
	for key, want := range map[string]string{
		"policy.karmada.io/applied-overrides":         "web-op",
		"policy.karmada.io/applied-cluster-overrides": cop.Name,
	} {
		var applied []struct {
			PolicyName string                    `json:"policyName"`
			Overriders policyv1alpha1.Overriders `json:"overriders"`
		}
		if err := json.Unmarshal([]byte(work.Annotations[key]), &applied); err != nil {
			t.Errorf("annotation %s = %q: %v", key, work.Annotations[key], err)
			continue
		}
		if len(applied) != 1 || applied[0].PolicyName != want || len(applied[0].Overriders.LabelsOverrider) != 1 {
			t.Errorf("annotation %s = %s, want one entry of policy %s with its labelsOverrider", key, work.Annotations[key], want)
		}
	}
	if w2, err := findWork(ctx, karmada, framework.Member2, ns, "web-deployment"); err != nil || w2 == nil {
		t.Errorf("no Work for member2: %v", err)
	} else if _, ok := w2.Annotations["policy.karmada.io/applied-overrides"]; ok {
		t.Errorf("member2's Work records overrides although no rule targets member2: %v", w2.Annotations)
	}
}

func rawJSON(s string) apiextensionsv1.JSON { return apiextensionsv1.JSON{Raw: []byte(s)} }

// container returns the first container of a Deployment.
func container(d *appsv1.Deployment) *corev1.Container {
	if len(d.Spec.Template.Spec.Containers) == 0 {
		return &corev1.Container{}
	}
	return &d.Spec.Template.Spec.Containers[0]
}

func describeDeployment(d *appsv1.Deployment) string {
	c := container(d)
	return fmt.Sprintf("uid=%s image=%s command=%q args=%q pullPolicy=%s labels=%v annotations=%v",
		d.UID, c.Image, c.Command, c.Args, c.ImagePullPolicy, d.Labels, d.Annotations)
}

// waitMemberDeployment waits until a member holds the Deployment and ok accepts it,
// and returns it.
func waitMemberDeployment(ctx context.Context, t *testing.T, sb *framework.Sandbox, member, ns, name, what string, ok func(*appsv1.Deployment) bool) *appsv1.Deployment {
	t.Helper()
	c := sb.Client(t, member)
	var got *appsv1.Deployment
	framework.WaitFor(ctx, t, 60*time.Second, fmt.Sprintf("deployment %s/%s on %s with %s", ns, name, member, what), func(ctx context.Context) (bool, string, error) {
		d, err := c.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		got = d
		return ok(d), describeDeployment(d), nil
	})
	return got
}

// waitMemberConfigMap waits until a member holds the ConfigMap and ok accepts it,
// and returns it.
func waitMemberConfigMap(ctx context.Context, t *testing.T, sb *framework.Sandbox, member, ns, name, what string, ok func(*corev1.ConfigMap) bool) *corev1.ConfigMap {
	t.Helper()
	return waitMemberConfigMapFor(ctx, t, sb, 60*time.Second, member, ns, name, what, ok)
}

func waitMemberConfigMapFor(ctx context.Context, t *testing.T, sb *framework.Sandbox, timeout time.Duration, member, ns, name, what string, ok func(*corev1.ConfigMap) bool) *corev1.ConfigMap {
	t.Helper()
	c := sb.Client(t, member)
	var got *corev1.ConfigMap
	framework.WaitFor(ctx, t, timeout, fmt.Sprintf("configmap %s/%s on %s with %s", ns, name, member, what), func(ctx context.Context) (bool, string, error) {
		cm, err := c.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		got = cm
		return ok(cm), fmt.Sprintf("data=%q", cm.Data), nil
	})
	return got
}

// findWork returns the Work of a ResourceBinding in a cluster's execution namespace,
// or nil when there is none.
func findWork(ctx context.Context, c client.Client, cluster, ns, binding string) (*workv1alpha1.Work, error) {
	var works workv1alpha1.WorkList
	if err := c.List(ctx, &works, client.InNamespace("karmada-es-"+cluster)); err != nil {
		return nil, err
	}
	for i := range works.Items {
		a := works.Items[i].Annotations
		if a["resourcebinding.karmada.io/name"] == binding && a["resourcebinding.karmada.io/namespace"] == ns {
			return &works.Items[i], nil
		}
	}
	return nil, nil
}

// waitWork waits until the binding's Work for a cluster exists and ok accepts it,
// and returns it.
func waitWork(ctx context.Context, t *testing.T, c client.Client, cluster, ns, binding, what string, ok func(*workv1alpha1.Work) bool) *workv1alpha1.Work {
	t.Helper()
	var got *workv1alpha1.Work
	framework.WaitFor(ctx, t, 60*time.Second, fmt.Sprintf("the Work of %s/%s on %s with %s", ns, binding, cluster, what), func(ctx context.Context) (bool, string, error) {
		w, err := findWork(ctx, c, cluster, ns, binding)
		if err != nil || w == nil {
			return false, "no Work", err
		}
		got = w
		return ok(w), fmt.Sprintf("annotations=%v conditions=%+v", w.Annotations, w.Status.Conditions), nil
	})
	return got
}

// memberHas tells whether a member has an object; it fails the test on errors other
// than NotFound.
func memberHas(t *testing.T, err error) bool {
	t.Helper()
	if err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	return err == nil
}
