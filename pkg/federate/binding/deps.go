package binding

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Dependency is an object a workload's pods reference in the same namespace.
type Dependency struct {
	GVK  schema.GroupVersionKind
	Name string
}

var (
	configMapGVK      = schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}
	secretGVK         = schema.GroupVersionKind{Version: "v1", Kind: "Secret"}
	serviceAccountGVK = schema.GroupVersionKind{Version: "v1", Kind: "ServiceAccount"}
	pvcGVK            = schema.GroupVersionKind{Version: "v1", Kind: "PersistentVolumeClaim"}
)

// podSpecPaths are where workload kinds keep their pod spec.
var podSpecPaths = map[schema.GroupKind][]string{
	{Kind: "Pod"}:                        {"spec"},
	{Group: "apps", Kind: "Deployment"}:  {"spec", "template", "spec"},
	{Group: "apps", Kind: "StatefulSet"}: {"spec", "template", "spec"},
	{Group: "apps", Kind: "ReplicaSet"}:  {"spec", "template", "spec"},
	{Group: "apps", Kind: "DaemonSet"}:   {"spec", "template", "spec"},
	{Group: "batch", Kind: "Job"}:        {"spec", "template", "spec"},
	{Group: "batch", Kind: "CronJob"}:    {"spec", "jobTemplate", "spec", "template", "spec"},
}

// Dependencies lists the ConfigMaps, Secrets, ServiceAccount and PVCs a workload's
// pod template references, sorted and without duplicates.
func Dependencies(obj *unstructured.Unstructured) []Dependency {
	path, ok := podSpecPaths[obj.GroupVersionKind().GroupKind()]
	if !ok {
		return nil
	}
	raw, found, _ := unstructured.NestedMap(obj.Object, path...)
	if !found {
		return nil
	}
	var spec corev1.PodSpec
	if runtime.DefaultUnstructuredConverter.FromUnstructured(raw, &spec) != nil {
		return nil
	}
	var deps []Dependency
	add := func(gvk schema.GroupVersionKind, name string) {
		if name == "" {
			return
		}
		d := Dependency{GVK: gvk, Name: name}
		if !slices.Contains(deps, d) {
			deps = append(deps, d)
		}
	}
	if sa := spec.ServiceAccountName; sa != "" && sa != "default" {
		add(serviceAccountGVK, sa)
	}
	for _, s := range spec.ImagePullSecrets {
		add(secretGVK, s.Name)
	}
	for _, v := range spec.Volumes {
		switch {
		case v.ConfigMap != nil:
			add(configMapGVK, v.ConfigMap.Name)
		case v.Secret != nil:
			add(secretGVK, v.Secret.SecretName)
		case v.PersistentVolumeClaim != nil:
			add(pvcGVK, v.PersistentVolumeClaim.ClaimName)
		case v.Projected != nil:
			for _, src := range v.Projected.Sources {
				if src.ConfigMap != nil {
					add(configMapGVK, src.ConfigMap.Name)
				}
				if src.Secret != nil {
					add(secretGVK, src.Secret.Name)
				}
			}
		}
	}
	containers := append(slices.Clone(spec.InitContainers), spec.Containers...)
	for _, c := range containers {
		for _, e := range c.EnvFrom {
			if e.ConfigMapRef != nil {
				add(configMapGVK, e.ConfigMapRef.Name)
			}
			if e.SecretRef != nil {
				add(secretGVK, e.SecretRef.Name)
			}
		}
		for _, e := range c.Env {
			if e.ValueFrom == nil {
				continue
			}
			if r := e.ValueFrom.ConfigMapKeyRef; r != nil {
				add(configMapGVK, r.Name)
			}
			if r := e.ValueFrom.SecretKeyRef; r != nil {
				add(secretGVK, r.Name)
			}
		}
	}
	slices.SortFunc(deps, func(a, b Dependency) int {
		if a.GVK.Kind != b.GVK.Kind {
			if a.GVK.Kind < b.GVK.Kind {
				return -1
			}
			return 1
		}
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
	return deps
}
