package validation

import (
	"fmt"
	"net/url"
	"regexp"

	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/sets"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	clustervalidation "github.com/fleetplane/fleetplane/pkg/apis/cluster/validation"
	searchv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/search/v1alpha1"
)

var (
	// fieldSelectorKeys are the Cluster fields a registry may select clusters by.
	fieldSelectorKeys = sets.New("provider", "region", "zone")
	// fieldSelectorOperators are the operators a field selector may use.
	fieldSelectorOperators = sets.New("In", "NotIn")
	// addressSchemes are the schemes an OpenSearch node may be reached by.
	addressSchemes = sets.New("http", "https")
	// kindPattern is what a kind looks like: an exported Go type name in ASCII.
	kindPattern = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)
)

// ValidateResourceRegistry checks a new ResourceRegistry.
func ValidateResourceRegistry(r *searchv1alpha1.ResourceRegistry) field.ErrorList {
	errs := apimachineryvalidation.ValidateObjectMeta(&r.ObjectMeta, false,
		apimachineryvalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(errs, ValidateResourceRegistrySpec(&r.Spec, field.NewPath("spec"))...)
}

// ValidateResourceRegistryUpdate checks an update of a ResourceRegistry's spec and metadata.
func ValidateResourceRegistryUpdate(r, old *searchv1alpha1.ResourceRegistry) field.ErrorList {
	errs := apimachineryvalidation.ValidateObjectMetaUpdate(&r.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	return append(errs, ValidateResourceRegistrySpec(&r.Spec, field.NewPath("spec"))...)
}

// ValidateResourceRegistryStatusUpdate checks an update of a ResourceRegistry's status.
func ValidateResourceRegistryStatusUpdate(r, old *searchv1alpha1.ResourceRegistry) field.ErrorList {
	errs := apimachineryvalidation.ValidateObjectMetaUpdate(&r.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	return append(errs, metav1validation.ValidateConditions(r.Status.Conditions, field.NewPath("status", "conditions"))...)
}

// ValidateResourceRegistrySpec checks the fields a user sets on a ResourceRegistry.
func ValidateResourceRegistrySpec(spec *searchv1alpha1.ResourceRegistrySpec, path *field.Path) field.ErrorList {
	errs := validateResourceSelectors(spec.ResourceSelectors, path.Child("resourceSelectors"))
	errs = append(errs, validateTargetCluster(&spec.TargetCluster, path.Child("targetCluster"))...)
	if spec.BackendStore != nil && spec.BackendStore.OpenSearch != nil {
		errs = append(errs, validateOpenSearch(spec.BackendStore.OpenSearch, path.Child("backendStore", "openSearch"))...)
	}
	return errs
}

func validateResourceSelectors(selectors []searchv1alpha1.ResourceSelector, path *field.Path) field.ErrorList {
	if len(selectors) == 0 {
		return field.ErrorList{field.Required(path, "must name at least one resource type to cache")}
	}
	var errs field.ErrorList
	seen := sets.New[searchv1alpha1.ResourceSelector]()
	for i, s := range selectors {
		p := path.Index(i)
		errs = append(errs, validateAPIVersion(s.APIVersion, p.Child("apiVersion"))...)
		errs = append(errs, validateKind(s.Kind, p.Child("kind"))...)
		if s.Namespace != "" {
			for _, msg := range utilvalidation.IsDNS1123Label(s.Namespace) {
				errs = append(errs, field.Invalid(p.Child("namespace"), s.Namespace, msg))
			}
		}
		if seen.Has(s) {
			errs = append(errs, field.Duplicate(p, fmt.Sprintf("apiVersion=%s kind=%s namespace=%s", s.APIVersion, s.Kind, s.Namespace)))
		}
		seen.Insert(s)
	}
	return errs
}

// validateAPIVersion accepts "version" (the core group) and "group/version", with
// the group a DNS subdomain and the version a DNS-1035 label, as for CRDs.
func validateAPIVersion(apiVersion string, path *field.Path) field.ErrorList {
	if apiVersion == "" {
		return field.ErrorList{field.Required(path, "group/version of the resource type, such as apps/v1")}
	}
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return field.ErrorList{field.Invalid(path, apiVersion, err.Error())}
	}
	if gv.Version == "" {
		return field.ErrorList{field.Invalid(path, apiVersion, "must be group/version, such as apps/v1, or v1 for the core group")}
	}
	var errs field.ErrorList
	if gv.Group != "" {
		for _, msg := range utilvalidation.IsDNS1123Subdomain(gv.Group) {
			errs = append(errs, field.Invalid(path, apiVersion, "group: "+msg))
		}
	}
	for _, msg := range utilvalidation.IsDNS1035Label(gv.Version) {
		errs = append(errs, field.Invalid(path, apiVersion, "version: "+msg))
	}
	return errs
}

// validateKind accepts kinds as Go type names are written: an upper-case letter,
// then letters and digits.
func validateKind(kind string, path *field.Path) field.ErrorList {
	if kind == "" {
		return field.ErrorList{field.Required(path, "kind of the resource type, such as Deployment")}
	}
	if !kindPattern.MatchString(kind) {
		return field.ErrorList{field.Invalid(path, kind, "must start with an upper-case letter and contain only letters and digits")}
	}
	return nil
}

func validateTargetCluster(target *searchv1alpha1.ClusterAffinity, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if target.LabelSelector != nil {
		errs = append(errs, metav1validation.ValidateLabelSelector(target.LabelSelector,
			metav1validation.LabelSelectorValidationOptions{}, path.Child("labelSelector"))...)
	}
	if target.FieldSelector != nil {
		errs = append(errs, validateFieldSelector(target.FieldSelector, path.Child("fieldSelector"))...)
	}
	errs = append(errs, validateClusterNames(target.ClusterNames, path.Child("clusterNames"))...)
	return append(errs, validateClusterNames(target.ExcludeClusters, path.Child("exclude"))...)
}

func validateFieldSelector(selector *searchv1alpha1.FieldSelector, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, req := range selector.MatchExpressions {
		p := path.Child("matchExpressions").Index(i)
		if !fieldSelectorKeys.Has(req.Key) {
			errs = append(errs, field.NotSupported(p.Child("key"), req.Key, sets.List(fieldSelectorKeys)))
		}
		if !fieldSelectorOperators.Has(string(req.Operator)) {
			errs = append(errs, field.NotSupported(p.Child("operator"), req.Operator, sets.List(fieldSelectorOperators)))
		}
		if len(req.Values) == 0 {
			errs = append(errs, field.Required(p.Child("values"), "In and NotIn need at least one value"))
		}
	}
	return errs
}

// validateClusterNames checks a list of Cluster names: each can name a Cluster
// object, and none appears twice.
func validateClusterNames(names []string, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := sets.New[string]()
	for i, name := range names {
		p := path.Index(i)
		for _, msg := range apimachineryvalidation.NameIsDNSSubdomain(name, false) {
			errs = append(errs, field.Invalid(p, name, msg))
		}
		if seen.Has(name) {
			errs = append(errs, field.Duplicate(p, name))
		}
		seen.Insert(name)
	}
	return errs
}

func validateOpenSearch(cfg *searchv1alpha1.OpenSearchConfig, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(cfg.Addresses) == 0 {
		errs = append(errs, field.Required(path.Child("addresses"), "at least one OpenSearch node, such as https://localhost:9200"))
	}
	for i, address := range cfg.Addresses {
		errs = append(errs, validateAddress(address, path.Child("addresses").Index(i))...)
	}
	return append(errs, clustervalidation.ValidateSecretReference(&cfg.SecretRef, path.Child("secretRef"))...)
}

func validateAddress(raw string, path *field.Path) field.ErrorList {
	u, err := url.Parse(raw)
	if err != nil {
		return field.ErrorList{field.Invalid(path, raw, err.Error())}
	}
	if !addressSchemes.Has(u.Scheme) {
		return field.ErrorList{field.Invalid(path, raw, fmt.Sprintf("scheme must be one of %v", sets.List(addressSchemes)))}
	}
	if u.Host == "" {
		return field.ErrorList{field.Invalid(path, raw, "must include a host")}
	}
	return nil
}
