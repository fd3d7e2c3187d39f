package propagate

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/klog/v2"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	"k8s.io/kubectl/pkg/util/templates"
	"sigs.k8s.io/controller-runtime/pkg/client"

	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/federate/membership"
	"github.com/fleetplane/fleetplane/pkg/federate/propagationpolicy"
)

var (
	propagateLong = templates.LongDesc(`
		Propagate resource templates of the control plane to member clusters by
		writing a PropagationPolicy that selects exactly the resources named, by
		API version, kind and name. A ClusterPropagationPolicy is written instead
		when a resource is cluster-scoped.

		The policy is named NAME-KIND after a single resource; give --policy-name
		for several. Running the command again with other flags updates the
		policy's selectors, cluster affinity and replica scheduling, and keeps
		the fields edited by hand.

		--duplicated runs all replicas of a workload in every cluster;
		--divided splits them by static weights (1 for each cluster unless
		--weights says otherwise; with --all-clusters and --weights, clusters
		without a weight get no replicas). Without either the scheduler's
		default applies, which is to duplicate.`)

	propagateExample = templates.Examples(`
		# Run deployment web of the current namespace in member1 and member2
		kubectl karmada propagate deployment/web -C member1,member2

		# Split its replicas 1:2 between member1 and member2
		kubectl karmada propagate deployment/web -C member1,member2 --divided --weights member1=1,member2=2

		# Send a Deployment and its ConfigMap to every cluster with one policy
		kubectl karmada propagate deployment/web configmap/web-config --all-clusters --policy-name web -n shop

		# Print the policy without writing it
		kubectl karmada propagate clusterrole/reader -C member1 --dry-run=client -o yaml`)
)

// PropagateOptions hold the flags and resolved clients of one propagate.
type PropagateOptions struct {
	genericiooptions.IOStreams
	PrintFlags *genericclioptions.PrintFlags

	Args        []string
	Clusters    []string
	AllClusters bool
	Divided     bool
	Duplicated  bool
	Weights     []string
	PolicyName  string

	// Filled by Complete.
	Namespace string
	DryRun    cmdutil.DryRunStrategy
	Mapper    meta.RESTMapper
	Client    client.Client
}

// NewPropagateOptions returns options with the flag defaults.
func NewPropagateOptions(streams genericiooptions.IOStreams) *PropagateOptions {
	s, err := propagationpolicy.NewScheme()
	cmdutil.CheckErr(err)
	return &PropagateOptions{
		IOStreams:  streams,
		PrintFlags: genericclioptions.NewPrintFlags("").WithTypeSetter(s),
	}
}

// NewCmdPropagate returns the propagate command.
func NewCmdPropagate(f cmdutil.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewPropagateOptions(streams)
	cmd := &cobra.Command{
		Use:                   "propagate TYPE/NAME... (-C CLUSTER,... | --all-clusters) [--divided [--weights CLUSTER=N,...] | --duplicated] [--policy-name NAME]",
		DisableFlagsInUseLine: true,
		Short:                 "Propagate resource templates to member clusters",
		Long:                  propagateLong,
		Example:               propagateExample,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return fmt.Errorf("at least one TYPE/NAME is required; see '%s -h'", cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(f, cmd, args); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	flags := cmd.Flags()
	flags.StringSliceVarP(&o.Clusters, "clusters", "C", o.Clusters, "Comma-separated member clusters to propagate to.")
	flags.BoolVar(&o.AllClusters, "all-clusters", o.AllClusters, "Propagate to every member cluster (no cluster affinity).")
	flags.BoolVar(&o.Divided, "divided", o.Divided, "Divide the replicas of workloads among the clusters by static weights.")
	flags.BoolVar(&o.Duplicated, "duplicated", o.Duplicated, "Run all replicas of workloads in every cluster.")
	flags.StringSliceVar(&o.Weights, "weights", o.Weights, "Comma-separated static weights for --divided, as CLUSTER=WEIGHT; 1 for each cluster if empty.")
	flags.StringVar(&o.PolicyName, "policy-name", o.PolicyName, "Name of the policy; NAME-KIND of the resource if empty. Required for several resources.")
	o.PrintFlags.AddFlags(cmd)
	cmdutil.AddDryRunFlag(cmd)
	cmdutil.CheckErr(cmd.RegisterFlagCompletionFunc("clusters", completeClusterList(f)))
	return cmd
}

// completeClusterList completes the last name of a comma-separated cluster list.
func completeClusterList(f cmdutil.Factory) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		done, last := "", toComplete
		if i := strings.LastIndex(toComplete, ","); i >= 0 {
			done, last = toComplete[:i+1], toComplete[i+1:]
		}
		names := membership.CompleteClusterNames(cmd.Context(), f, last)
		for i := range names {
			names[i] = done + names[i]
		}
		return names, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	}
}

// Complete takes the arguments, the namespace and the dry-run strategy, and builds
// the control-plane client. Nothing here contacts the control plane.
func (o *PropagateOptions) Complete(f cmdutil.Factory, cmd *cobra.Command, args []string) error {
	o.Args = args
	var err error
	if o.Namespace, _, err = f.ToRawKubeConfigLoader().Namespace(); err != nil {
		return err
	}
	if o.DryRun, err = cmdutil.GetDryRunStrategy(cmd); err != nil {
		return err
	}
	if o.Mapper, err = f.ToRESTMapper(); err != nil {
		return err
	}
	cfg, err := f.ToRESTConfig()
	if err != nil {
		return err
	}
	s, err := propagationpolicy.NewScheme()
	if err != nil {
		return err
	}
	o.Client, err = client.New(cfg, client.Options{Scheme: s, Mapper: o.Mapper})
	return err
}

// Validate checks the flags and the form of the arguments.
func (o *PropagateOptions) Validate() error {
	if err := propagationpolicy.ValidateArgs(o.Args); err != nil {
		return err
	}
	switch {
	case len(o.Clusters) == 0 && !o.AllClusters:
		return errors.New("choose the clusters with -C CLUSTER,... or --all-clusters")
	case len(o.Clusters) > 0 && o.AllClusters:
		return errors.New("-C and --all-clusters exclude each other")
	case o.Divided && o.Duplicated:
		return errors.New("--divided and --duplicated exclude each other")
	case len(o.Args) > 1 && o.PolicyName == "":
		return errors.New("--policy-name is required when propagating several resources")
	}
	if o.PolicyName != "" {
		if err := propagationpolicy.ValidateName(o.PolicyName); err != nil {
			return err
		}
	}
	if _, err := o.placement(); err != nil {
		return err
	}
	_, err := o.PrintFlags.ToPrinter()
	return err
}

// placement turns the cluster and replica flags into a placement.
func (o *PropagateOptions) placement() (propagationpolicy.Placement, error) {
	p := propagationpolicy.Placement{}
	for _, c := range o.Clusters {
		if c == "" {
			return p, errors.New("-C has an empty cluster name")
		}
		if errs := validation.IsDNS1123Label(c); len(errs) > 0 {
			return p, fmt.Errorf("invalid cluster name %q: %s", c, errs[0])
		}
		if !slices.Contains(p.Clusters, c) {
			p.Clusters = append(p.Clusters, c)
		}
	}
	switch {
	case o.Divided:
		p.Mode = propagationpolicy.ReplicasDivided
	case o.Duplicated:
		p.Mode = propagationpolicy.ReplicasDuplicated
	}
	weights, err := parseWeights(o.Weights)
	if err != nil {
		return p, err
	}
	if len(weights) > 0 && !o.Divided {
		return p, errors.New("--weights needs --divided")
	}
	for _, c := range slices.Sorted(maps.Keys(weights)) {
		if len(p.Clusters) > 0 && !slices.Contains(p.Clusters, c) {
			return p, fmt.Errorf("--weights names cluster %q, which is not in -C", c)
		}
	}
	if len(weights) > 0 {
		for _, c := range p.Clusters {
			if _, ok := weights[c]; !ok {
				return p, fmt.Errorf("--weights has no weight for cluster %q; give one for each cluster of -C", c)
			}
		}
	}
	p.Weights = weights
	return p, nil
}

// parseWeights reads CLUSTER=WEIGHT pairs; weights are positive integers.
func parseWeights(pairs []string) (map[string]int64, error) {
	if len(pairs) == 0 {
		return nil, nil
	}
	out := make(map[string]int64, len(pairs))
	for _, pair := range pairs {
		name, value, ok := strings.Cut(pair, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("invalid --weights entry %q: want CLUSTER=WEIGHT", pair)
		}
		w, err := strconv.ParseInt(value, 10, 64)
		if err != nil || w < 1 {
			return nil, fmt.Errorf("invalid --weights entry %q: the weight must be a positive integer", pair)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("--weights names cluster %q twice", name)
		}
		out[name] = w
	}
	return out, nil
}

// Run resolves the resources, builds the policy and writes or prints it.
func (o *PropagateOptions) Run(ctx context.Context) error {
	refs, err := propagationpolicy.Resolve(ctx, o.Mapper, o.Namespace, o.Args...)
	if err != nil {
		return err
	}
	name := o.PolicyName
	if name == "" {
		name = propagationpolicy.DefaultName(refs[0])
		if err := propagationpolicy.ValidateName(name); err != nil {
			return fmt.Errorf("%w; choose one with --policy-name", err)
		}
	}
	placement, err := o.placement()
	if err != nil {
		return err
	}
	policy := propagationpolicy.New(name, o.Namespace, refs, policyv1alpha1.PropagationSpec{Placement: placement.Build()})
	if o.DryRun == cmdutil.DryRunClient {
		return o.print(policy, propagationpolicy.Created)
	}
	o.warn(ctx, refs, placement.Clusters)
	stored, op, err := propagationpolicy.Apply(ctx, o.Client, policy, o.DryRun == cmdutil.DryRunServer)
	if err != nil {
		return err
	}
	return o.print(stored, op)
}

// warn tells on ErrOut about resources and clusters that do not exist yet. The
// policy is written all the same, as Karmada allows, since they may come later;
// a failure to check is only logged.
func (o *PropagateOptions) warn(ctx context.Context, refs []propagationpolicy.Ref, clusters []string) {
	missing, err := propagationpolicy.Missing(ctx, o.Client, refs)
	if err != nil {
		klog.V(2).InfoS("Cannot check that the resources exist", "err", err)
	}
	for _, r := range missing {
		fmt.Fprintf(o.ErrOut, "Warning: %s does not exist on the control plane; the policy will select it once it does\n", r)
	}
	if len(clusters) == 0 {
		return
	}
	known, err := membership.ClusterNames(ctx, o.Client)
	if err != nil {
		klog.V(2).InfoS("Cannot list the member clusters", "err", err)
		return
	}
	for _, c := range clusters {
		if !slices.Contains(known, c) {
			fmt.Fprintf(o.ErrOut, "Warning: cluster %q is not registered with the control plane\n", c)
		}
	}
}

// print writes the policy to Out in the -o format, or as "KIND/NAME OPERATION".
func (o *PropagateOptions) print(p propagationpolicy.Policy, op propagationpolicy.Operation) error {
	o.PrintFlags.NamePrintFlags.Operation = string(op)
	printer, err := cmdutil.PrintFlagsWithDryRunStrategy(o.PrintFlags, o.DryRun).ToPrinter()
	if err != nil {
		return err
	}
	return printer.PrintObj(p.Object, o.Out)
}
