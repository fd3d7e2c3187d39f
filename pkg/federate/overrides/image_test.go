package overrides

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
)

const sha = "sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c"

func TestRewriteImage(t *testing.T) {
	const (
		add     = policyv1alpha1.OverriderOpAdd
		replace = policyv1alpha1.OverriderOpReplace
		remove  = policyv1alpha1.OverriderOpRemove
	)
	tests := []struct {
		name      string
		image     string
		component policyv1alpha1.ImageComponent
		operator  policyv1alpha1.OverriderOperator
		value     string
		want      string
	}{
		{name: "registry add appends", image: "docker.io/library/nginx:1.25", component: policyv1alpha1.Registry, operator: add, value: "-mirror", want: "docker.io-mirror/library/nginx:1.25"},
		{name: "registry add without registry", image: "myapp:1.0.0", component: policyv1alpha1.Registry, operator: add, value: "test-repo", want: "test-repo/myapp:1.0.0"},
		{name: "registry replace", image: "docker.io/library/nginx:1.25", component: policyv1alpha1.Registry, operator: replace, value: "mirror.example.com", want: "mirror.example.com/library/nginx:1.25"},
		{name: "registry replace without registry", image: "nginx", component: policyv1alpha1.Registry, operator: replace, value: "registry.k8s.io", want: "registry.k8s.io/nginx"},
		{name: "registry replace keeps the digest", image: "registry:5000/ns/app@" + sha, component: policyv1alpha1.Registry, operator: replace, value: "mirror:5000", want: "mirror:5000/ns/app@" + sha},
		{name: "registry replace of localhost", image: "localhost/app:tag", component: policyv1alpha1.Registry, operator: replace, value: "registry.example", want: "registry.example/app:tag"},
		{name: "registry remove", image: "docker.io/library/nginx:1.25", component: policyv1alpha1.Registry, operator: remove, want: "library/nginx:1.25"},
		{name: "registry remove without registry", image: "nginx:1.25", component: policyv1alpha1.Registry, operator: remove, want: "nginx:1.25"},
		{name: "repository add appends", image: "docker.io/library/nginx:1.25", component: policyv1alpha1.Repository, operator: add, value: "-debug", want: "docker.io/library/nginx-debug:1.25"},
		{name: "repository replace", image: "docker.io/library/nginx:1.25", component: policyv1alpha1.Repository, operator: replace, value: "team/web", want: "docker.io/team/web:1.25"},
		{name: "repository replace keeps the digest", image: "registry:5000/ns/app@" + sha, component: policyv1alpha1.Repository, operator: replace, value: "ns/other", want: "registry:5000/ns/other@" + sha},
		{name: "tag add when absent", image: "nginx", component: policyv1alpha1.Tag, operator: add, value: "1.25", want: "nginx:1.25"},
		{name: "tag add keeps a tag", image: "nginx:1.24", component: policyv1alpha1.Tag, operator: add, value: "1.25", want: "nginx:1.24"},
		{name: "tag add keeps a digest", image: "registry:5000/ns/app@" + sha, component: policyv1alpha1.Tag, operator: add, value: "v2", want: "registry:5000/ns/app@" + sha},
		{name: "tag replace", image: "localhost/app:tag", component: policyv1alpha1.Tag, operator: replace, value: "v2", want: "localhost/app:v2"},
		{name: "tag replace sets a tag when absent", image: "nginx", component: policyv1alpha1.Tag, operator: replace, value: "1.25", want: "nginx:1.25"},
		{name: "tag replace of a digest by a tag", image: "registry:5000/ns/app@" + sha, component: policyv1alpha1.Tag, operator: replace, value: "v2", want: "registry:5000/ns/app:v2"},
		{name: "tag replace by a digest", image: "nginx:1.25", component: policyv1alpha1.Tag, operator: replace, value: "@" + sha, want: "nginx@" + sha},
		{name: "tag replace by a digest without @", image: "nginx:1.25", component: policyv1alpha1.Tag, operator: replace, value: sha, want: "nginx@" + sha},
		{name: "tag remove drops tag and digest", image: "docker.io/library/nginx:1.25@" + sha, component: policyv1alpha1.Tag, operator: remove, want: "docker.io/library/nginx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := policyv1alpha1.ImageOverrider{Component: tt.component, Operator: tt.operator, Value: tt.value}
			if err := checkImageOverrider(o); err != nil {
				t.Fatalf("checkImageOverrider() unexpected error: %v", err)
			}
			got, err := rewriteImage(tt.image, o)
			if err != nil {
				t.Fatalf("rewriteImage(%q) unexpected error: %v", tt.image, err)
			}
			if got != tt.want {
				t.Errorf("rewriteImage(%q) = %q, want %q", tt.image, got, tt.want)
			}
		})
	}
}

// images lists the images of the containers of obj, keyed by JSON pointer.
func images(obj *unstructured.Unstructured) map[string]string {
	out := map[string]string{}
	for _, c := range containers(obj) {
		out[c.pointer+"/image"], _ = c.fields["image"].(string)
	}
	return out
}

func TestApplyImage(t *testing.T) {
	podManifest := `
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  initContainers:
  - name: init
    image: busybox
  containers:
  - name: web
    image: nginx:1.25
`
	cronJobManifest := `
apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: report
            image: docker.io/acme/report:v1
`
	mirror := policyv1alpha1.ImageOverrider{Component: policyv1alpha1.Registry, Operator: policyv1alpha1.OverriderOpReplace, Value: "mirror.example.com"}
	withPredicate := func(o policyv1alpha1.ImageOverrider, path string) policyv1alpha1.ImageOverrider {
		o.Predicate = &policyv1alpha1.ImagePredicate{Path: path}
		return o
	}
	tests := []struct {
		name      string
		manifest  string
		overrider policyv1alpha1.ImageOverrider
		want      map[string]string
		wantErr   string
	}{
		{
			name:      "deployment containers and init containers",
			manifest:  deploymentManifest,
			overrider: mirror,
			want: map[string]string{
				"/spec/template/spec/containers/0/image":     "mirror.example.com/library/nginx:1.25",
				"/spec/template/spec/containers/1/image":     "mirror.example.com/ns/app@" + sha,
				"/spec/template/spec/initContainers/0/image": "mirror.example.com/busybox:1.36",
			},
		},
		{
			name:      "pod",
			manifest:  podManifest,
			overrider: mirror,
			want: map[string]string{
				"/spec/containers/0/image":     "mirror.example.com/nginx:1.25",
				"/spec/initContainers/0/image": "mirror.example.com/busybox",
			},
		},
		{
			name:      "cronjob",
			manifest:  cronJobManifest,
			overrider: mirror,
			want: map[string]string{
				"/spec/jobTemplate/spec/template/spec/containers/0/image": "mirror.example.com/acme/report:v1",
			},
		},
		{
			name:      "predicate path",
			manifest:  deploymentManifest,
			overrider: withPredicate(mirror, "/spec/template/spec/containers/1/image"),
			want: map[string]string{
				"/spec/template/spec/containers/0/image":     "docker.io/library/nginx:1.25",
				"/spec/template/spec/containers/1/image":     "mirror.example.com/ns/app@" + sha,
				"/spec/template/spec/initContainers/0/image": "busybox:1.36",
			},
		},
		{
			name:      "predicate path that does not exist",
			manifest:  deploymentManifest,
			overrider: withPredicate(mirror, "/spec/template/spec/containers/5/image"),
			want: map[string]string{
				"/spec/template/spec/containers/0/image":     "docker.io/library/nginx:1.25",
				"/spec/template/spec/containers/1/image":     "registry:5000/ns/app@" + sha,
				"/spec/template/spec/initContainers/0/image": "busybox:1.36",
			},
		},
		{
			name:      "predicate path that is not a string",
			manifest:  deploymentManifest,
			overrider: withPredicate(mirror, "/spec/template/spec/containers/0"),
			wantErr:   "predicate.path /spec/template/spec/containers/0: holds an object, not an image string",
		},
		{
			name:      "predicate path that is not a pointer",
			manifest:  deploymentManifest,
			overrider: withPredicate(mirror, "spec.template"),
			wantErr:   `predicate.path "spec.template": not a JSON pointer to a field`,
		},
		{
			name:      "repository remove",
			manifest:  deploymentManifest,
			overrider: policyv1alpha1.ImageOverrider{Component: policyv1alpha1.Repository, Operator: policyv1alpha1.OverriderOpRemove},
			wantErr:   "the repository of an image cannot be removed",
		},
		{
			name:      "add without a value",
			manifest:  deploymentManifest,
			overrider: policyv1alpha1.ImageOverrider{Component: policyv1alpha1.Tag, Operator: policyv1alpha1.OverriderOpAdd},
			wantErr:   `operator "add" needs a value`,
		},
		{
			name:      "unsupported component",
			manifest:  deploymentManifest,
			overrider: policyv1alpha1.ImageOverrider{Component: "Digest", Operator: policyv1alpha1.OverriderOpRemove},
			wantErr:   `unsupported component "Digest"`,
		},
		{
			name:      "unsupported operator",
			manifest:  deploymentManifest,
			overrider: policyv1alpha1.ImageOverrider{Component: policyv1alpha1.Tag, Operator: "set", Value: "v1"},
			wantErr:   `unsupported operator "set"`,
		},
		{
			name:      "invalid image",
			manifest:  `{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: c, image: "nginx:"}]}}`,
			overrider: mirror,
			wantErr:   `path /spec/containers/0/image: invalid image reference "nginx:": empty tag`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := object(t, tt.manifest)
			err := applyImage(obj, tt.overrider)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("applyImage() error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("applyImage() unexpected error: %v", err)
			}
			if diff := cmp.Diff(tt.want, images(obj)); diff != "" {
				t.Errorf("images mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestApplyImageLeavesOtherKindsAlone(t *testing.T) {
	tests := []struct {
		name     string
		manifest string
	}{
		{
			name:     "configmap",
			manifest: `{apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {image: "nginx:1.25"}}`,
		},
		{
			name:     "deployment of another group",
			manifest: `{apiVersion: example.com/v1, kind: Deployment, metadata: {name: d}, spec: {template: {spec: {containers: [{name: c, image: "nginx:1.25"}]}}}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := object(t, tt.manifest)
			want := obj.DeepCopy()
			o := policyv1alpha1.ImageOverrider{Component: policyv1alpha1.Tag, Operator: policyv1alpha1.OverriderOpReplace, Value: "2.0"}
			if err := applyImage(obj, o); err != nil {
				t.Fatalf("applyImage() unexpected error: %v", err)
			}
			if diff := cmp.Diff(want.Object, obj.Object); diff != "" {
				t.Errorf("object changed (-want +got):\n%s", diff)
			}
		})
	}
}
