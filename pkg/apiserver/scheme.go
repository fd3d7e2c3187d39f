package apiserver

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	searchv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/search/v1alpha1"
)

var (
	// Scheme holds the types the server serves. Each served group has a single
	// version, so the versioned Go types double as the internal version: the scheme
	// converts between the two by copying.
	Scheme = runtime.NewScheme()
	// Codecs encodes and decodes the served types.
	Codecs = serializer.NewCodecFactory(Scheme)
	// ParameterCodec decodes query parameters, such as those of the proxy subresource.
	ParameterCodec = runtime.NewParameterCodec(Scheme)
	// OpenAPIScheme holds only the published versions. The OpenAPI definition namer
	// tags each definition with every group-version-kind its Go type is registered
	// under, and the internal version must not appear there: clients (kubectl explain,
	// server-side apply's type converter) would not find the type by its real version.
	OpenAPIScheme = runtime.NewScheme()
)

func init() {
	utilruntime.Must(clusterv1alpha1.AddToScheme(OpenAPIScheme))
	utilruntime.Must(clusterv1alpha1.AddToScheme(Scheme))
	addInternalVersion(clusterv1alpha1.SchemeGroupVersion,
		&clusterv1alpha1.Cluster{}, &clusterv1alpha1.ClusterList{}, &clusterv1alpha1.ClusterProxyOptions{})

	utilruntime.Must(searchv1alpha1.AddToScheme(OpenAPIScheme))
	utilruntime.Must(searchv1alpha1.AddToScheme(Scheme))
	addInternalVersion(searchv1alpha1.SchemeGroupVersion,
		&searchv1alpha1.ResourceRegistry{}, &searchv1alpha1.ResourceRegistryList{}, &searchv1alpha1.ProxyOptions{}, &searchv1alpha1.SearchOptions{})

	// Unversioned meta types every generic API server needs.
	metav1.AddToGroupVersion(Scheme, schema.GroupVersion{Version: "v1"})
	Scheme.AddUnversionedTypes(schema.GroupVersion{Group: "", Version: "v1"},
		&metav1.Status{}, &metav1.APIVersions{}, &metav1.APIGroupList{}, &metav1.APIGroup{}, &metav1.APIResourceList{})
}

// addInternalVersion registers the versioned types of gv as the internal version of
// its group too, and makes gv the group's preferred version.
func addInternalVersion(gv schema.GroupVersion, types ...runtime.Object) {
	Scheme.AddKnownTypes(schema.GroupVersion{Group: gv.Group, Version: runtime.APIVersionInternal}, types...)
	utilruntime.Must(Scheme.SetVersionPriority(gv))
}
