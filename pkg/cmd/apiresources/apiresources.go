package apiresources

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/cli-runtime/pkg/printers"
	"k8s.io/client-go/discovery"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/fleetplane/fleetplane/pkg/clusterclient"
)

var (
	apiResourcesLong = templates.LongDesc(`
		Print the API resources that the member clusters serve.

		Each cluster is asked through its cluster proxy, in parallel; resources are
		merged by group, version and name, and the CLUSTERS column lists the
		clusters that serve each one. Without -C, every Ready cluster is asked.

		A cluster whose discovery fails is named in a warning; the resources of the
		others are printed and the command exits non-zero.`)

	apiResourcesExample = templates.Examples(`
		# Print the resources of every Ready cluster
		kubectl karmada api-resources

		# Print the resources of member1 and member2, with their verbs
		kubectl karmada api-resources -C member1,member2 -o wide

		# Print the names of the namespaced resources of the apps group
		kubectl karmada api-resources --namespaced=true --api-group=apps -o name`)
)

// APIResourcesOptions list the API resources of member clusters.
type APIResourcesOptions struct {
	genericiooptions.IOStreams

	// Clusters narrows the clusters; every Ready one if empty.
	Clusters []string
	// Output is "", "wide" or "name".
	Output    string
	NoHeaders bool
	// APIGroup keeps the resources of one group ("" is the core group) when set.
	APIGroup    string
	APIGroupSet bool
	// Namespaced keeps the namespaced (or the cluster-scoped) resources when set.
	Namespaced    bool
	NamespacedSet bool

	// Filled by Complete.
	Base cmdutil.Factory
}

// NewAPIResourcesOptions returns options with the default output.
func NewAPIResourcesOptions(streams genericiooptions.IOStreams) *APIResourcesOptions {
	return &APIResourcesOptions{IOStreams: streams, Namespaced: true}
}

// NewCmdAPIResources returns the api-resources command.
func NewCmdAPIResources(f cmdutil.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewAPIResourcesOptions(streams)
	cmd := &cobra.Command{
		Use:                   "api-resources [-C CLUSTER,...] [-o wide|name]",
		DisableFlagsInUseLine: true,
		Short:                 "Print the API resources the member clusters serve",
		Long:                  apiResourcesLong,
		Example:               apiResourcesExample,
		Args:                  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Complete(f, cmd)
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	flags := cmd.Flags()
	flags.StringSliceVarP(&o.Clusters, "clusters", "C", o.Clusters, "Comma-separated member clusters to ask; every Ready cluster if empty.")
	flags.StringVarP(&o.Output, "output", "o", o.Output, "Output format. One of: (wide, name).")
	flags.BoolVar(&o.NoHeaders, "no-headers", o.NoHeaders, "When using the default or wide output format, don't print headers.")
	flags.StringVar(&o.APIGroup, "api-group", o.APIGroup, "Limit to resources in the specified API group.")
	flags.BoolVar(&o.Namespaced, "namespaced", o.Namespaced, "If false, non-namespaced resources will be returned, otherwise returning namespaced resources by default.")
	cmdutil.CheckErr(cmd.RegisterFlagCompletionFunc("clusters", clusterclient.CompleteClusterList(f)))
	cmdutil.CheckErr(cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"wide", "name"}, cobra.ShellCompDirectiveNoFileComp)))
	return cmd
}

// Complete notes which filters were given. Nothing here contacts the control plane.
func (o *APIResourcesOptions) Complete(f cmdutil.Factory, cmd *cobra.Command) {
	o.Base = f
	o.APIGroupSet = cmd.Flags().Changed("api-group")
	o.NamespacedSet = cmd.Flags().Changed("namespaced")
}

// Validate checks the output format and the clusters.
func (o *APIResourcesOptions) Validate() error {
	if !slices.Contains([]string{"", "wide", "name"}, o.Output) {
		return fmt.Errorf("--output %q is not supported; use wide or name", o.Output)
	}
	if slices.Contains(o.Clusters, "") {
		return errors.New("-C has an empty cluster name")
	}
	return nil
}

// discovered is what one cluster's discovery gave.
type discovered struct {
	lists []*metav1.APIResourceList
	err   error
}

// Run asks every cluster in parallel, then prints the merged resources.
func (o *APIResourcesOptions) Run(ctx context.Context) error {
	clusters, err := clusterclient.SelectFor(ctx, o.Base, o.Clusters)
	if err != nil {
		return err
	}
	results := make([]discovered, len(clusters))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(clusterclient.FanOut)
	for i, cluster := range clusters {
		g.Go(func() error {
			results[i] = o.discover(ctx, cluster)
			return nil
		})
	}
	_ = g.Wait()

	var failed []string
	merged := &Merged{}
	for i, cluster := range clusters {
		if err := results[i].err; err != nil {
			fmt.Fprintf(o.ErrOut, "Warning: cluster %s: %v\n", cluster, err)
			failed = append(failed, cluster)
		}
		merged.Add(cluster, results[i].lists)
	}
	resources := merged.Filter(func(r *Resource) bool {
		return (!o.APIGroupSet || r.Group == o.APIGroup) && (!o.NamespacedSet || r.Namespaced == o.Namespaced)
	})
	if err := o.print(resources); err != nil {
		return err
	}
	return clusterclient.Incomplete(failed)
}

// discover runs one cluster's discovery, uncached. A partial answer (some
// groups failed) keeps what was found, with the error.
func (o *APIResourcesOptions) discover(ctx context.Context, cluster string) discovered {
	if err := ctx.Err(); err != nil {
		return discovered{err: err}
	}
	d, err := clusterclient.Member(o.Base, cluster, clusterclient.Options{}).NewDiscoveryClient()
	if err != nil {
		return discovered{err: err}
	}
	lists, err := discovery.ServerPreferredResourcesWithContext(ctx, discovery.ToDiscoveryInterfaceWithContext(d))
	return discovered{lists: lists, err: err}
}

func (o *APIResourcesOptions) print(resources []*Resource) error {
	if o.Output == "name" {
		var names []string
		for _, r := range resources {
			names = append(names, r.FullName())
		}
		for _, n := range slices.Compact(names) {
			fmt.Fprintln(o.Out, n)
		}
		return nil
	}
	w := printers.GetNewTabWriter(o.Out)
	wide := o.Output == "wide"
	if !o.NoHeaders {
		header := []string{"NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"}
		if wide {
			header = append(header, "VERBS", "CATEGORIES")
		}
		fmt.Fprintln(w, strings.Join(append(header, "CLUSTERS"), "\t"))
	}
	for _, r := range resources {
		row := []string{r.Name, strings.Join(r.ShortNames, ","), r.APIVersion(), fmt.Sprint(r.Namespaced), r.Kind}
		if wide {
			row = append(row, strings.Join(r.Verbs, ","), strings.Join(r.Categories, ","))
		}
		fmt.Fprintln(w, strings.Join(append(row, strings.Join(r.Clusters, ",")), "\t"))
	}
	return w.Flush()
}
