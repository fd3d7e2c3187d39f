package clusterclient

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/rest"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/federate/membership"
)

// FanOut bounds how many clusters a command talks to at once.
const FanOut = 8

// ListClusters lists the Cluster objects of the control plane that cfg reaches,
// sorted by name.
func ListClusters(ctx context.Context, cfg *rest.Config) ([]clusterv1alpha1.Cluster, error) {
	s := runtime.NewScheme()
	if err := clusterv1alpha1.AddToScheme(s); err != nil {
		return nil, err
	}
	cfg = rest.CopyConfig(cfg)
	cfg.APIPath = "/apis"
	cfg.GroupVersion = &clusterv1alpha1.SchemeGroupVersion
	cfg.NegotiatedSerializer = serializer.NewCodecFactory(s).WithoutConversion()
	c, err := rest.RESTClientFor(cfg)
	if err != nil {
		return nil, err
	}
	list := &clusterv1alpha1.ClusterList{}
	err = c.Get().Resource(clusterv1alpha1.ResourcePluralCluster).Do(ctx).Into(list)
	if apierrors.IsNotFound(err) {
		return nil, membership.ErrAPINotServed
	}
	if err != nil {
		return nil, err
	}
	slices.SortFunc(list.Items, func(a, b clusterv1alpha1.Cluster) int { return strings.Compare(a.Name, b.Name) })
	return list.Items, nil
}

// IsReady reports whether the cluster's Ready condition is True.
func IsReady(c *clusterv1alpha1.Cluster) bool {
	return meta.IsStatusConditionTrue(c.Status.Conditions, clusterv1alpha1.ClusterConditionReady)
}

// NotFoundError names a requested cluster that has no Cluster object.
type NotFoundError struct{ Name string }

func (e *NotFoundError) Error() string { return fmt.Sprintf("cluster %q not found", e.Name) }

// CheckNames returns a *NotFoundError for the first requested name that is not
// a cluster.
func CheckNames(clusters []clusterv1alpha1.Cluster, requested []string) error {
	for _, name := range requested {
		if !slices.ContainsFunc(clusters, func(c clusterv1alpha1.Cluster) bool { return c.Name == name }) {
			return &NotFoundError{Name: name}
		}
	}
	return nil
}

// Select returns the clusters a command fans out to, sorted and without
// duplicates: the requested ones, each of which must exist, or, when none are
// requested, every Ready cluster.
func Select(clusters []clusterv1alpha1.Cluster, requested []string) ([]string, error) {
	if err := CheckNames(clusters, requested); err != nil {
		return nil, err
	}
	if len(requested) > 0 {
		names := slices.Clone(requested)
		slices.Sort(names)
		return slices.Compact(names), nil
	}
	var names []string
	for i := range clusters {
		if IsReady(&clusters[i]) {
			names = append(names, clusters[i].Name)
		}
	}
	if len(names) == 0 {
		if len(clusters) == 0 {
			return nil, fmt.Errorf("no member clusters are registered with the control plane")
		}
		return nil, fmt.Errorf("none of the %d member clusters is Ready", len(clusters))
	}
	return names, nil
}

// SelectFor lists the clusters of the control plane that base reaches and
// selects among them as Select does.
func SelectFor(ctx context.Context, base genericclioptions.RESTClientGetter, requested []string) ([]string, error) {
	cfg, err := base.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	clusters, err := ListClusters(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return Select(clusters, requested)
}

// CheckNamesFor checks the requested names against the Cluster objects of the
// control plane that base reaches. No names, no request.
func CheckNamesFor(ctx context.Context, base genericclioptions.RESTClientGetter, requested []string) error {
	if len(requested) == 0 {
		return nil
	}
	cfg, err := base.ToRESTConfig()
	if err != nil {
		return err
	}
	clusters, err := ListClusters(ctx, cfg)
	if err != nil {
		return err
	}
	return CheckNames(clusters, requested)
}

// CompleteCluster completes one cluster name from the control plane that base
// reaches, for a flag such as --cluster.
func CompleteCluster(base genericclioptions.RESTClientGetter) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		return clusterNames(cmd.Context(), base, toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// CompleteClusterList completes the last name of a comma-separated list of
// cluster names, for a flag such as --clusters.
func CompleteClusterList(base genericclioptions.RESTClientGetter) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		done, last := "", toComplete
		if i := strings.LastIndex(toComplete, ","); i >= 0 {
			done, last = toComplete[:i+1], toComplete[i+1:]
		}
		chosen := strings.Split(done, ",")
		var out []string
		for _, name := range clusterNames(cmd.Context(), base, last) {
			// A cluster already in the list is not offered again.
			if !slices.Contains(chosen, name) {
				out = append(out, done+name)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	}
}

// clusterNames returns the names starting with prefix; any failure gives none.
func clusterNames(ctx context.Context, base genericclioptions.RESTClientGetter, prefix string) []string {
	cfg, err := base.ToRESTConfig()
	if err != nil {
		return nil
	}
	clusters, err := ListClusters(ctx, cfg)
	if err != nil {
		return nil
	}
	var names []string
	for _, c := range clusters {
		if strings.HasPrefix(c.Name, prefix) {
			names = append(names, c.Name)
		}
	}
	return names
}
