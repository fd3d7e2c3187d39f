package apiserver

import (
	"fmt"

	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/registry/rest"
	genericapiserver "k8s.io/apiserver/pkg/server"

	searchv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/search/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/apiserver/registry/resourceregistry"
	"github.com/fleetplane/fleetplane/pkg/apiserver/registry/subresource"
)

const (
	resourceRegistries       = searchv1alpha1.ResourcePluralResourceRegistry
	resourceRegistriesStatus = searchv1alpha1.ResourcePluralResourceRegistry + "/status"
)

// newSearchGroup returns the search.karmada.io API group, version v1alpha1:
// resourceregistries and resourceregistries/status, kept in etcd, plus the storages
// of extra by resource path (such as the search and proxying connecters). An entry of
// extra may not replace the registries.
func newSearchGroup(optsGetter generic.RESTOptionsGetter, extra map[string]rest.Storage) (*genericapiserver.APIGroupInfo, error) {
	registries, err := resourceregistry.NewStorage(Scheme, optsGetter)
	if err != nil {
		return nil, fmt.Errorf("resourceregistries storage: %w", err)
	}
	storages := map[string]rest.Storage{
		resourceRegistries:       registries.ResourceRegistry,
		resourceRegistriesStatus: registries.Status,
	}
	for path, s := range extra {
		if _, taken := storages[path]; taken {
			registries.ResourceRegistry.Destroy()
			return nil, fmt.Errorf("%s is served by the search group itself", path)
		}
		storages[path] = s
	}
	group := genericapiserver.NewDefaultAPIGroupInfo(searchv1alpha1.GroupName, Scheme, ParameterCodec, Codecs)
	group.VersionedResourcesStorageMap[searchv1alpha1.SchemeGroupVersion.Version] = storages
	return &group, nil
}

// resourceRegistryStorage returns the ResourceRegistry storage that newSearchGroup
// put into group, for the controllers that run in this process.
func resourceRegistryStorage(group *genericapiserver.APIGroupInfo) *resourceregistry.Storage {
	storages := group.VersionedResourcesStorageMap[searchv1alpha1.SchemeGroupVersion.Version]
	return &resourceregistry.Storage{
		ResourceRegistry: storages[resourceRegistries].(*resourceregistry.REST),
		Status:           storages[resourceRegistriesStatus].(*subresource.StatusREST),
	}
}
