package kubeconfig

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/fleetplane/fleetplane/pkg/federate/membership"
)

var (
	kubeconfigLong = templates.LongDesc(`
		Write a kubeconfig with one context per member cluster, named after the
		cluster. Each context reaches its member through the control plane's
		cluster proxy (/apis/cluster.karmada.io/v1alpha1/clusters/NAME/proxy) with
		the credentials of your current control-plane context, embedded so that
		the file stands alone. The first cluster is the current context.`)

	kubeconfigExample = templates.Examples(`
		# Print a kubeconfig for all member clusters
		kubectl karmada kubeconfig

		# Write one for member1 and member2 and use it
		kubectl karmada kubeconfig --clusters member1,member2 -o members.config
		kubectl --kubeconfig members.config --context member2 get pods -A`)
)

// KubeconfigOptions hold the flags and inputs of the kubeconfig command.
type KubeconfigOptions struct {
	genericiooptions.IOStreams

	// Clusters are the members to include; all when empty.
	Clusters []string
	// OutputFile receives the kubeconfig; Out when empty.
	OutputFile string

	// Filled by Complete: the caller's kubeconfig, the control-plane context to
	// take credentials from (its current context if empty) and the lister of
	// registered clusters.
	Base         *clientcmdapi.Config
	ContextName  string
	ListClusters func(context.Context) ([]string, error)
}

// NewCmdKubeconfig returns the kubeconfig command.
func NewCmdKubeconfig(f cmdutil.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := &KubeconfigOptions{IOStreams: streams}
	cmd := &cobra.Command{
		Use:                   "kubeconfig [--clusters NAME,...] [-o FILE]",
		DisableFlagsInUseLine: true,
		Short:                 "Write a kubeconfig that reaches the member clusters through the control plane",
		Long:                  kubeconfigLong,
		Example:               kubeconfigExample,
		Args:                  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(f, cmd); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	cmd.Flags().StringSliceVarP(&o.Clusters, "clusters", "C", o.Clusters, "Comma-separated member clusters to include; all if empty.")
	cmd.Flags().StringVarP(&o.OutputFile, "output", "o", o.OutputFile, "File to write the kubeconfig to; standard output if empty.")
	cmdutil.CheckErr(cmd.MarkFlagFilename("output"))
	cmdutil.CheckErr(cmd.RegisterFlagCompletionFunc("clusters", func(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		// Complete the last name of a comma-separated list.
		done, last := "", toComplete
		if i := strings.LastIndex(toComplete, ","); i >= 0 {
			done, last = toComplete[:i+1], toComplete[i+1:]
		}
		names := membership.CompleteClusterNames(cmd.Context(), f, last)
		for i := range names {
			names[i] = done + names[i]
		}
		return names, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	}))
	return cmd
}

// Complete loads the caller's kubeconfig and builds the cluster lister.
func (o *KubeconfigOptions) Complete(f cmdutil.Factory, cmd *cobra.Command) error {
	raw, err := f.ToRawKubeConfigLoader().RawConfig()
	if err != nil {
		return err
	}
	o.Base = &raw
	if flag := cmd.Flags().Lookup("context"); flag != nil {
		o.ContextName = flag.Value.String()
	}
	cfg, err := f.ToRESTConfig()
	if err != nil {
		return err
	}
	c, err := membership.NewClient(cfg)
	if err != nil {
		return err
	}
	o.ListClusters = func(ctx context.Context) ([]string, error) { return membership.ClusterNames(ctx, c) }
	return nil
}

// Validate checks the cluster names given.
func (o *KubeconfigOptions) Validate() error {
	for _, name := range o.Clusters {
		if name == "" {
			return fmt.Errorf("--clusters has an empty name")
		}
	}
	return nil
}

// Run builds the kubeconfig and writes it.
func (o *KubeconfigOptions) Run(ctx context.Context) error {
	known, err := o.ListClusters(ctx)
	if err != nil {
		return err
	}
	selected, err := membership.SelectClusters(known, o.Clusters)
	if err != nil {
		return err
	}
	config, err := membership.UnifiedKubeconfig(o.Base, o.ContextName, selected)
	if err != nil {
		return err
	}
	if o.OutputFile != "" {
		if err := clientcmd.WriteToFile(*config, o.OutputFile); err != nil {
			return err
		}
		fmt.Fprintf(o.Out, "kubeconfig for %s written to %s\n", strings.Join(selected, ", "), o.OutputFile)
		return nil
	}
	b, err := clientcmd.Write(*config)
	if err != nil {
		return err
	}
	_, err = o.Out.Write(b)
	return err
}
