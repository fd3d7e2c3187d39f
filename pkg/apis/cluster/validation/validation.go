package validation

import (
	"fmt"
	"net/url"

	corev1 "k8s.io/api/core/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
)

// MaxClusterNameLength keeps "karmada-es-<name>", the cluster's execution namespace,
// a valid namespace name.
const MaxClusterNameLength = 48

var (
	syncModes    = sets.New(string(clusterv1alpha1.Push), string(clusterv1alpha1.Pull))
	taintEffects = sets.New(string(corev1.TaintEffectNoSchedule), string(corev1.TaintEffectPreferNoSchedule), string(corev1.TaintEffectNoExecute))
)

// ValidateClusterName checks that a name can name a cluster and its execution namespace.
func ValidateClusterName(name string, _ bool) []string {
	var errs []string
	if len(name) > MaxClusterNameLength {
		errs = append(errs, fmt.Sprintf("must be no more than %d characters", MaxClusterNameLength))
	}
	return append(errs, utilvalidation.IsDNS1123Label(name)...)
}

// ValidateCluster checks a new Cluster.
func ValidateCluster(c *clusterv1alpha1.Cluster) field.ErrorList {
	errs := apimachineryvalidation.ValidateObjectMeta(&c.ObjectMeta, false, ValidateClusterName, field.NewPath("metadata"))
	return append(errs, ValidateClusterSpec(&c.Spec, field.NewPath("spec"))...)
}

// ValidateClusterUpdate checks an update of a Cluster's spec and metadata.
func ValidateClusterUpdate(c, old *clusterv1alpha1.Cluster) field.ErrorList {
	errs := apimachineryvalidation.ValidateObjectMetaUpdate(&c.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	return append(errs, ValidateClusterSpec(&c.Spec, field.NewPath("spec"))...)
}

// ValidateClusterStatusUpdate checks an update of a Cluster's status.
func ValidateClusterStatusUpdate(c, old *clusterv1alpha1.Cluster) field.ErrorList {
	errs := apimachineryvalidation.ValidateObjectMetaUpdate(&c.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	conditions := field.NewPath("status", "conditions")
	return append(errs, metav1validation.ValidateConditions(c.Status.Conditions, conditions)...)
}

// ValidateClusterSpec checks the fields a user sets on a Cluster.
func ValidateClusterSpec(spec *clusterv1alpha1.ClusterSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	mode := string(spec.SyncMode)
	switch {
	case mode == "":
		errs = append(errs, field.Required(path.Child("syncMode"), "must be Push or Pull"))
	case !syncModes.Has(mode):
		errs = append(errs, field.NotSupported(path.Child("syncMode"), mode, sets.List(syncModes)))
	}

	if spec.APIEndpoint != "" {
		errs = append(errs, validateURL(spec.APIEndpoint, path.Child("apiEndpoint"), "https", "http")...)
	} else if spec.SyncMode == clusterv1alpha1.Push {
		errs = append(errs, field.Required(path.Child("apiEndpoint"), "a Push cluster needs the URL of its apiserver"))
	}
	if spec.ProxyURL != "" {
		errs = append(errs, validateURL(spec.ProxyURL, path.Child("proxyURL"), "http", "https", "socks5")...)
	}

	if spec.SecretRef != nil {
		errs = append(errs, ValidateSecretReference(spec.SecretRef, path.Child("secretRef"))...)
	} else if spec.SyncMode == clusterv1alpha1.Push {
		errs = append(errs, field.Required(path.Child("secretRef"), "a Push cluster needs the Secret holding its credentials"))
	}
	if spec.ImpersonatorSecretRef != nil {
		errs = append(errs, ValidateSecretReference(spec.ImpersonatorSecretRef, path.Child("impersonatorSecretRef"))...)
	}
	return append(errs, validateTaints(spec.Taints, path.Child("taints"))...)
}

func validateURL(raw string, path *field.Path, schemes ...string) field.ErrorList {
	u, err := url.Parse(raw)
	if err != nil {
		return field.ErrorList{field.Invalid(path, raw, err.Error())}
	}
	if !sets.New(schemes...).Has(u.Scheme) {
		return field.ErrorList{field.Invalid(path, raw, fmt.Sprintf("scheme must be one of %v", schemes))}
	}
	if u.Host == "" {
		return field.ErrorList{field.Invalid(path, raw, "must include a host")}
	}
	return nil
}

// ValidateSecretReference checks a reference to a Secret of the control plane: a
// namespace that is a DNS label and a name that is a DNS subdomain, both set.
func ValidateSecretReference(ref *clusterv1alpha1.LocalSecretReference, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if ref.Namespace == "" {
		errs = append(errs, field.Required(path.Child("namespace"), ""))
	} else {
		for _, msg := range utilvalidation.IsDNS1123Label(ref.Namespace) {
			errs = append(errs, field.Invalid(path.Child("namespace"), ref.Namespace, msg))
		}
	}
	if ref.Name == "" {
		errs = append(errs, field.Required(path.Child("name"), ""))
	} else {
		for _, msg := range utilvalidation.IsDNS1123Subdomain(ref.Name) {
			errs = append(errs, field.Invalid(path.Child("name"), ref.Name, msg))
		}
	}
	return errs
}

// validateTaints checks each taint as kube-apiserver checks node taints: a qualified
// key, a label-like value, a known effect, and no two taints with the same key and effect.
func validateTaints(taints []corev1.Taint, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := sets.New[string]()
	for i, t := range taints {
		p := path.Index(i)
		for _, msg := range utilvalidation.IsQualifiedName(t.Key) {
			errs = append(errs, field.Invalid(p.Child("key"), t.Key, msg))
		}
		if t.Value != "" {
			for _, msg := range utilvalidation.IsValidLabelValue(t.Value) {
				errs = append(errs, field.Invalid(p.Child("value"), t.Value, msg))
			}
		}
		if !taintEffects.Has(string(t.Effect)) {
			errs = append(errs, field.NotSupported(p.Child("effect"), t.Effect, sets.List(taintEffects)))
		}
		id := t.Key + ":" + string(t.Effect)
		if seen.Has(id) {
			errs = append(errs, field.Duplicate(p, fmt.Sprintf("%s=%s:%s", t.Key, t.Value, t.Effect)))
		}
		seen.Insert(id)
	}
	return errs
}
