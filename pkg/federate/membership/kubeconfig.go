package membership

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"k8s.io/client-go/tools/clientcmd/api"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
)

// ProxyPath is the path, below the control plane's URL, that forwards requests to
// the named member's API server.
func ProxyPath(cluster string) string {
	return fmt.Sprintf("/apis/%s/%s/%s/%s", clusterv1alpha1.SchemeGroupVersion.String(),
		clusterv1alpha1.ResourcePluralCluster, cluster, clusterv1alpha1.ClusterProxySubresource)
}

// SelectClusters returns the requested cluster names in the order given, without
// duplicates, or all known names (sorted) when none are requested. A requested name
// that is not known is an error.
func SelectClusters(known, requested []string) ([]string, error) {
	if len(requested) == 0 {
		if len(known) == 0 {
			return nil, fmt.Errorf("no member clusters are registered with the control plane")
		}
		return slices.Sorted(slices.Values(known)), nil
	}
	var selected []string
	for _, name := range requested {
		if !slices.Contains(known, name) {
			return nil, fmt.Errorf("cluster %q is not registered with the control plane (known: %s)",
				name, strings.Join(slices.Sorted(slices.Values(known)), ", "))
		}
		if !slices.Contains(selected, name) {
			selected = append(selected, name)
		}
	}
	return selected, nil
}

// UnifiedKubeconfig returns a kubeconfig with one context per member cluster, named
// after it, that reaches the member through the control plane's cluster proxy with
// the credentials of base's context contextName (base's current context if empty).
// File references in those credentials are read and embedded, so the result stands
// alone. Its current context is the first cluster.
func UnifiedKubeconfig(base *api.Config, contextName string, clusters []string) (*api.Config, error) {
	if len(clusters) == 0 {
		return nil, fmt.Errorf("no clusters to put into the kubeconfig")
	}
	if contextName == "" {
		contextName = base.CurrentContext
	}
	if contextName == "" {
		return nil, fmt.Errorf("the kubeconfig has no current context; choose one with --context")
	}
	kctx, ok := base.Contexts[contextName]
	if !ok {
		return nil, fmt.Errorf("context %q not found in the kubeconfig", contextName)
	}
	cp, ok := base.Clusters[kctx.Cluster]
	if !ok {
		return nil, fmt.Errorf("cluster %q of context %q not found in the kubeconfig", kctx.Cluster, contextName)
	}
	if cp.Server == "" {
		return nil, fmt.Errorf("cluster %q of context %q has no server", kctx.Cluster, contextName)
	}
	authName := kctx.AuthInfo
	auth := api.NewAuthInfo()
	if authName != "" {
		a, ok := base.AuthInfos[authName]
		if !ok {
			return nil, fmt.Errorf("user %q of context %q not found in the kubeconfig", authName, contextName)
		}
		auth = a.DeepCopy()
	} else {
		authName = contextName
	}

	// Embed file references: flatten a config holding just these two entries.
	flat := api.NewConfig()
	flat.Clusters[kctx.Cluster] = cp.DeepCopy()
	flat.AuthInfos[authName] = auth
	if err := api.FlattenConfig(flat); err != nil {
		return nil, fmt.Errorf("embedding the credentials of context %q: %w", contextName, err)
	}
	if auth.TokenFile != "" {
		token, err := os.ReadFile(auth.TokenFile)
		if err != nil {
			return nil, fmt.Errorf("embedding the credentials of context %q: %w", contextName, err)
		}
		auth.Token, auth.TokenFile = strings.TrimSpace(string(token)), ""
	}
	cpFlat := flat.Clusters[kctx.Cluster]
	auth.LocationOfOrigin = ""

	out := api.NewConfig()
	out.AuthInfos[authName] = auth
	server := strings.TrimSuffix(cpFlat.Server, "/")
	for _, name := range clusters {
		c := api.NewCluster()
		c.Server = server + ProxyPath(name)
		c.TLSServerName = cpFlat.TLSServerName
		c.InsecureSkipTLSVerify = cpFlat.InsecureSkipTLSVerify
		c.CertificateAuthorityData = cpFlat.CertificateAuthorityData
		c.ProxyURL = cpFlat.ProxyURL
		c.DisableCompression = cpFlat.DisableCompression
		out.Clusters[name] = c
		kc := api.NewContext()
		kc.Cluster, kc.AuthInfo = name, authName
		out.Contexts[name] = kc
	}
	out.CurrentContext = clusters[0]
	return out, nil
}
