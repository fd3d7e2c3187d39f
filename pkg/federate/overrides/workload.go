package overrides

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
)

// podSpecFields is where the workloads whose containers the image, command
// and args overriders know how to find keep their pod spec.
var podSpecFields = map[schema.GroupKind][]string{
	{Group: "", Kind: "Pod"}:             {"spec"},
	{Group: "apps", Kind: "Deployment"}:  {"spec", "template", "spec"},
	{Group: "apps", Kind: "ReplicaSet"}:  {"spec", "template", "spec"},
	{Group: "apps", Kind: "StatefulSet"}: {"spec", "template", "spec"},
	{Group: "apps", Kind: "DaemonSet"}:   {"spec", "template", "spec"},
	{Group: "batch", Kind: "Job"}:        {"spec", "template", "spec"},
	{Group: "batch", Kind: "CronJob"}:    {"spec", "jobTemplate", "spec", "template", "spec"},
}

// containerLists are the lists of containers of a pod spec that overriders
// rewrite, in the order they visit them.
var containerLists = []string{"containers", "initContainers"}

// container is one container of a workload's pod spec, with the JSON
// pointer of its object for error messages.
type container struct {
	pointer string
	fields  map[string]interface{}
}

// containers returns the containers and init containers of obj when it is
// a workload of a known kind, or nil. The maps are obj's own, so changing
// them changes obj.
func containers(obj *unstructured.Unstructured) []container {
	path, ok := podSpecFields[obj.GroupVersionKind().GroupKind()]
	if !ok {
		return nil
	}
	spec, ok, _ := unstructured.NestedFieldNoCopy(obj.Object, path...)
	podSpec, isMap := spec.(map[string]interface{})
	if !ok || !isMap {
		return nil
	}
	var out []container
	for _, list := range containerLists {
		items, _ := podSpec[list].([]interface{})
		for i, item := range items {
			if fields, ok := item.(map[string]interface{}); ok {
				out = append(out, container{pointer: fmt.Sprintf("/%s/%s/%d", strings.Join(path, "/"), list, i), fields: fields})
			}
		}
	}
	return out
}

// applyCommandArgs appends or removes items of the command or args (field)
// of the named container. Unknown kinds and missing containers are left
// alone.
func applyCommandArgs(obj *unstructured.Unstructured, field string, o policyv1alpha1.CommandArgsOverrider) error {
	if o.Operator != policyv1alpha1.OverriderOpAdd && o.Operator != policyv1alpha1.OverriderOpRemove {
		return fmt.Errorf("unsupported operator %q", o.Operator)
	}
	if len(o.Value) == 0 {
		return nil
	}
	for _, c := range containers(obj) {
		if name, _ := c.fields["name"].(string); name != o.ContainerName {
			continue
		}
		var items []interface{}
		if current, ok := c.fields[field]; ok && current != nil {
			if items, ok = current.([]interface{}); !ok {
				return fmt.Errorf("path %s/%s: holds %s, not an array", c.pointer, field, describe(current))
			}
		}
		switch o.Operator {
		case policyv1alpha1.OverriderOpAdd:
			items = slices.Clone(items)
			for _, v := range o.Value {
				items = append(items, v)
			}
		case policyv1alpha1.OverriderOpRemove:
			if items == nil {
				return nil
			}
			items = slices.DeleteFunc(slices.Clone(items), func(item interface{}) bool {
				s, ok := item.(string)
				return ok && slices.Contains(o.Value, s)
			})
		}
		c.fields[field] = items
		return nil
	}
	return nil
}
