package taint

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	"k8s.io/kubectl/pkg/util/templates"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fleetplane/fleetplane/pkg/federate/clustertaint"
	"github.com/fleetplane/fleetplane/pkg/federate/membership"
)

var (
	taintLong = templates.LongDesc(`
		Update the taints of a member cluster.

		A taint is key=value:effect, or key:effect without a value; the effect is
		NoSchedule, PreferNoSchedule or NoExecute. A trailing "-" removes the taint
		with that key and effect, and key- removes every taint with the key. Only
		workloads whose placement tolerates a cluster's taints are scheduled to it;
		NoExecute also evicts the ones already there.`)

	taintExample = templates.Examples(`
		# Keep workloads off member1 unless they tolerate dedicated=gpu
		kubectl karmada taint member1 dedicated=gpu:NoSchedule

		# Change the value of that taint
		kubectl karmada taint member1 dedicated=ml:NoSchedule --overwrite

		# Remove the taint with key dedicated and effect NoSchedule
		kubectl karmada taint member1 dedicated:NoSchedule-

		# Remove every taint with key dedicated
		kubectl karmada taint member1 dedicated-`)
)

// TaintOptions edit the taints of one cluster.
type TaintOptions struct {
	genericiooptions.IOStreams

	Name      string
	Args      []string
	Overwrite bool

	// Change is parsed from Args by Validate.
	Change clustertaint.Change
	// Clusters and Now are filled by Complete.
	Clusters client.Client
	Now      func() metav1.Time
}

// NewCmdTaint returns the taint command.
func NewCmdTaint(f cmdutil.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := &TaintOptions{IOStreams: streams}
	cmd := &cobra.Command{
		Use:                   "taint NAME KEY_1=VAL_1:TAINT_EFFECT_1 ... KEY_N=VAL_N:TAINT_EFFECT_N",
		DisableFlagsInUseLine: true,
		Short:                 "Update the taints of a member cluster",
		Long:                  taintLong,
		Example:               taintExample,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 {
				return fmt.Errorf("a cluster NAME and at least one taint are required; see '%s -h'", cmd.CommandPath())
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
	cmd.Flags().BoolVar(&o.Overwrite, "overwrite", o.Overwrite, "Replace the value of existing taints with the same key and effect.")
	return cmd
}

// Complete takes the arguments and builds the control-plane client.
func (o *TaintOptions) Complete(f cmdutil.Factory, args []string) error {
	o.Name, o.Args = args[0], args[1:]
	o.Now = metav1.Now
	cfg, err := f.ToRESTConfig()
	if err != nil {
		return err
	}
	o.Clusters, err = membership.NewClient(cfg)
	return err
}

// Validate parses the taint arguments.
func (o *TaintOptions) Validate() error {
	if o.Name == "" {
		return errors.New("a cluster NAME is required")
	}
	var err error
	o.Change, err = clustertaint.Parse(o.Args)
	return err
}

// Run applies the change and reports the outcome on Out.
func (o *TaintOptions) Run(ctx context.Context) error {
	var result clustertaint.Result
	_, err := clustertaint.Update(ctx, o.Clusters, o.Name, func(taints []corev1.Taint) ([]corev1.Taint, error) {
		var out []corev1.Taint
		var err error
		out, result, err = o.Change.Apply(taints, o.Overwrite, o.Now())
		return out, err
	})
	if errors.Is(err, clustertaint.ErrTaintExists) {
		return fmt.Errorf("cluster %s: %w; pass --overwrite to replace", o.Name, err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "cluster/%s %s\n", o.Name, result)
	return nil
}
