package apiserver

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	authorizationv1 "k8s.io/api/authorization/v1"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/client-go/kubernetes"
	restclient "k8s.io/client-go/rest"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	searchv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/search/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/apiserver/registry/resourceregistry"
	"github.com/fleetplane/fleetplane/pkg/auth/memberaccess"
	"github.com/fleetplane/fleetplane/pkg/auth/membercreds"
	"github.com/fleetplane/fleetplane/pkg/proxy"
)

// registryStore gives the search collector the ResourceRegistries of this
// process's own storage.
type registryStore struct {
	storage *resourceregistry.Storage
}

func clusterScope(ctx context.Context) context.Context {
	return genericapirequest.WithNamespace(ctx, metav1.NamespaceNone)
}

func (r registryStore) ListRegistries(ctx context.Context) ([]searchv1alpha1.ResourceRegistry, error) {
	obj, err := r.storage.ResourceRegistry.List(clusterScope(ctx), &metainternalversion.ListOptions{ResourceVersion: "0"})
	if err != nil {
		return nil, err
	}
	return obj.(*searchv1alpha1.ResourceRegistryList).Items, nil
}

func (r registryStore) UpdateStatus(ctx context.Context, reg *searchv1alpha1.ResourceRegistry) error {
	_, _, err := r.storage.Status.Update(clusterScope(ctx), reg.Name, rest.DefaultUpdatedObjectInfo(reg),
		rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	return err
}

// memberClients reach members with each cluster's own credentials
// (spec.secretRef): for the search cache's reflectors and for the access
// reviews that decide what a caller may see of it.
type memberClients struct {
	clusters proxy.ClusterGetter
	secrets  proxy.SecretGetter

	mu      sync.Mutex
	clients map[string]*memberClient
}

type memberClient struct {
	fingerprint string
	kube        kubernetes.Interface
}

// Config returns the configuration of the cluster's own credentials.
func (m *memberClients) Config(ctx context.Context, c *clusterv1alpha1.Cluster) (*restclient.Config, string, error) {
	ref := c.Spec.SecretRef
	if ref == nil {
		return nil, "", fmt.Errorf("spec.secretRef is empty")
	}
	secret, err := m.secrets.GetSecret(ctx, ref.Namespace, ref.Name)
	if err != nil {
		return nil, "", fmt.Errorf("reading spec.secretRef %s/%s: %w", ref.Namespace, ref.Name, err)
	}
	cfg, err := membercreds.RESTConfig(c, secret)
	if err != nil {
		return nil, "", err
	}
	cfg.UserAgent = "fleetplane-search"
	return cfg, membercreds.Fingerprint(c, secret), nil
}

// client returns the member's clientset of its own credentials.
func (m *memberClients) client(ctx context.Context, cluster string) (kubernetes.Interface, error) {
	c, err := m.clusters.GetCluster(ctx, cluster)
	if err != nil {
		return nil, err
	}
	cfg, fp, err := m.Config(ctx, c)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if client, ok := m.clients[cluster]; ok && client.fingerprint == fp {
		return client.kube, nil
	}
	cfg.Timeout = 10 * time.Second
	cfg.QPS, cfg.Burst = 100, 200
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	m.clients[cluster] = &memberClient{fingerprint: fp, kube: kube}
	return kube, nil
}

// Review creates a SubjectAccessReview on the member.
func (m *memberClients) Review(ctx context.Context, cluster string, review *authorizationv1.SubjectAccessReview) (*authorizationv1.SubjectAccessReview, error) {
	kube, err := m.client(ctx, cluster)
	if err != nil {
		return nil, err
	}
	return kube.AuthorizationV1().SubjectAccessReviews().Create(ctx, review, metav1.CreateOptions{})
}

// namespaceAccess finds the namespaces of a member where its RBAC lets the
// caller read, for the global proxy's lists over all namespaces.
type namespaceAccess struct {
	members *memberClients
	access  *memberaccess.Checker
}

func (n namespaceAccess) AllowedNamespaces(ctx context.Context, cluster, verb, group, version, resource string) ([]string, error) {
	caller, ok := genericapirequest.UserFrom(ctx)
	if !ok {
		return nil, nil
	}
	kube, err := n.members.client(ctx, cluster)
	if err != nil {
		return nil, err
	}
	list, err := kube.CoreV1().Namespaces().List(ctx, metav1.ListOptions{ResourceVersion: "0"})
	if err != nil {
		return nil, err
	}
	allowed := make([]bool, len(list.Items))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i := range list.Items {
		g.Go(func() error {
			ok, err := n.access.Allowed(gctx, cluster, caller, memberaccess.Attributes{
				Verb: verb, Group: group, Version: version, Resource: resource, Namespace: list.Items[i].Name})
			allowed[i] = ok
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var out []string
	for i, ok := range allowed {
		if ok {
			out = append(out, list.Items[i].Name)
		}
	}
	return out, nil
}

// reviewIdentity is who a member's authorizer is asked about for a caller: the
// identity the proxy impersonates, plus the group the member adds to every
// impersonated user.
func reviewIdentity(cp *proxy.ClusterProxy) func(string, user.Info) user.Info {
	return func(cluster string, caller user.Info) user.Info {
		who := cp.MemberIdentity(cluster, caller)
		groups := who.GetGroups()
		if who.GetName() != user.Anonymous {
			groups = append(groups, user.AllAuthenticated)
		}
		return &user.DefaultInfo{Name: who.GetName(), UID: who.GetUID(), Groups: groups, Extra: who.GetExtra()}
	}
}

// proxyGate admits a caller to a cluster's objects only when the control plane
// lets them use that cluster's proxy (clusters/proxy with the cluster's name):
// the grant unified auth turns into the impersonator's right to impersonate
// them, without which the live proxy cannot reach the member for them either.
func proxyGate(authz authorizer.Authorizer) func(context.Context, string, user.Info) (bool, error) {
	return func(ctx context.Context, cluster string, caller user.Info) (bool, error) {
		decision, _, err := authz.Authorize(ctx, authorizer.AttributesRecord{
			User: caller, Verb: "get", APIGroup: clusterv1alpha1.GroupName, APIVersion: clusterv1alpha1.SchemeGroupVersion.Version,
			Resource: "clusters", Subresource: "proxy", Name: cluster, ResourceRequest: true,
		})
		if err != nil && decision != authorizer.DecisionAllow {
			return false, fmt.Errorf("asking the control plane whether %s may use the proxy of cluster %s: %w", caller.GetName(), cluster, err)
		}
		return decision == authorizer.DecisionAllow, nil
	}
}
