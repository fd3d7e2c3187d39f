package clusterclient

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/fields"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
)

// FindCluster returns the one cluster that holds the object kubectl logs or exec
// would act on: arg is POD or TYPE/NAME (pods when no type is given), or, when arg
// is empty, the pods matching the label selector. It lists through global, a
// factory over the global proxy, and reads the cluster annotation of what it
// finds. No match and matches in several clusters are errors saying so; when
// warnings (which may be nil) saw clusters fail, a no-match error names them.
func FindCluster(global cmdutil.Factory, warnings *WarningRecorder, namespace, arg, selector string) (string, error) {
	resource, name := "pods", arg
	if t, n, ok := strings.Cut(arg, "/"); ok {
		resource, name = t, n
		if t == "" || n == "" {
			return "", fmt.Errorf("%q is not POD or TYPE/NAME", arg)
		}
	}
	b := global.NewBuilder().
		Unstructured().
		NamespaceParam(namespace).DefaultNamespace().
		ResourceTypes(resource).
		SingleResourceType().
		Flatten()
	if arg != "" {
		b = b.FieldSelectorParam(fields.OneTermEqualSelector("metadata.name", name).String())
	} else {
		b = b.LabelSelectorParam(selector)
	}
	r := b.Do()
	what := "pods"
	if mapping, err := r.ResourceMapping(); err == nil {
		what = mapping.Resource.Resource
		if arg != "" {
			what = strings.ToLower(mapping.GroupVersionKind.Kind)
		}
	}
	infos, err := r.Infos()
	if err != nil {
		return "", err
	}
	var clusters []string
	for _, info := range infos {
		obj, err := meta.Accessor(info.Object)
		if err != nil {
			return "", err
		}
		cluster := obj.GetAnnotations()[clusterv1alpha1.CacheSourceAnnotationKey]
		if cluster == "" {
			return "", fmt.Errorf("the global proxy returned %s %q without the %s annotation",
				what, obj.GetName(), clusterv1alpha1.CacheSourceAnnotationKey)
		}
		clusters = append(clusters, cluster)
	}
	slices.Sort(clusters)
	clusters = slices.Compact(clusters)
	incomplete := ""
	if warnings != nil {
		if err := warnings.Err(); err != nil {
			incomplete = "; " + err.Error()
		}
	}
	switch {
	case len(clusters) == 1:
		return clusters[0], nil
	case len(clusters) == 0 && arg != "":
		return "", fmt.Errorf("%s %q not found in any cluster%s", what, name, incomplete)
	case len(clusters) == 0:
		return "", fmt.Errorf("no %s match %q in any cluster%s", what, selector, incomplete)
	case arg != "":
		return "", fmt.Errorf("%s %q exists in clusters %s; choose one with -C", what, name, strings.Join(clusters, ", "))
	default:
		return "", fmt.Errorf("%s matching %q exist in clusters %s; choose one with -C", what, selector, strings.Join(clusters, ", "))
	}
}
