package cordon

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	"k8s.io/kubectl/pkg/util/templates"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fleetplane/fleetplane/pkg/federate/clustertaint"
	"github.com/fleetplane/fleetplane/pkg/federate/membership"
)

var (
	cordonLong = templates.LongDesc(`
		Mark a member cluster as unschedulable by adding the taint
		cluster.karmada.io/unschedulable:NoSchedule to its Cluster object. The
		scheduler places no new workloads there; workloads already placed stay.`)

	uncordonLong = templates.LongDesc(`
		Mark a member cluster as schedulable again by removing the taint
		cluster.karmada.io/unschedulable:NoSchedule from its Cluster object.`)

	cordonExample = templates.Examples(`
		# Stop scheduling new workloads to member1
		kubectl karmada cordon member1`)

	uncordonExample = templates.Examples(`
		# Resume scheduling new workloads to member1
		kubectl karmada uncordon member1`)
)

// CordonOptions mark one cluster (un)schedulable.
type CordonOptions struct {
	genericiooptions.IOStreams

	// Name is the cluster.
	Name string
	// Uncordon removes the taint instead of adding it.
	Uncordon bool

	// Clusters is filled by Complete.
	Clusters client.Client
}

// NewCmdCordon returns the cordon command.
func NewCmdCordon(f cmdutil.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	return newCmd(f, &CordonOptions{IOStreams: streams}, "cordon", "Mark a member cluster as unschedulable", cordonLong, cordonExample)
}

// NewCmdUncordon returns the uncordon command.
func NewCmdUncordon(f cmdutil.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	return newCmd(f, &CordonOptions{IOStreams: streams, Uncordon: true}, "uncordon", "Mark a member cluster as schedulable", uncordonLong, uncordonExample)
}

func newCmd(f cmdutil.Factory, o *CordonOptions, verb, short, long, example string) *cobra.Command {
	return &cobra.Command{
		Use:                   verb + " NAME",
		DisableFlagsInUseLine: true,
		Short:                 short,
		Long:                  long,
		Example:               example,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("exactly one cluster NAME is required, got %d arguments; see '%s -h'", len(args), cmd.CommandPath())
			}
			return nil
		},
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return membership.CompleteClusterNames(cmd.Context(), f, toComplete), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(f, args); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
}

// Complete takes the name and builds the control-plane client.
func (o *CordonOptions) Complete(f cmdutil.Factory, args []string) error {
	o.Name = args[0]
	cfg, err := f.ToRESTConfig()
	if err != nil {
		return err
	}
	o.Clusters, err = membership.NewClient(cfg)
	return err
}

// Validate checks the options.
func (o *CordonOptions) Validate() error {
	if o.Name == "" {
		return errors.New("a cluster NAME is required")
	}
	return nil
}

// Run updates the cluster's taints and reports the outcome on Out.
func (o *CordonOptions) Run(ctx context.Context) error {
	edit, verb := clustertaint.Cordon, "cordoned"
	if o.Uncordon {
		edit, verb = clustertaint.Uncordon, "uncordoned"
	}
	changed, err := clustertaint.Update(ctx, o.Clusters, o.Name, func(t []corev1.Taint) ([]corev1.Taint, error) {
		out, _ := edit(t)
		return out, nil
	})
	if err != nil {
		return err
	}
	if !changed {
		verb = "already " + verb
	}
	fmt.Fprintf(o.Out, "cluster/%s %s\n", o.Name, verb)
	return nil
}
