package promote

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/cli-runtime/pkg/printers"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	"k8s.io/kubectl/pkg/util/templates"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fleetplane/fleetplane/pkg/clusterclient"
	"github.com/fleetplane/fleetplane/pkg/federate/membership"
	"github.com/fleetplane/fleetplane/pkg/federate/promotion"
	"github.com/fleetplane/fleetplane/pkg/federate/propagationpolicy"
)

var (
	promoteLong = templates.LongDesc(`
		Adopt an object that runs in a member cluster into the control plane,
		without recreating it.

		The object is read from the member through the control plane's cluster
		proxy and created on the control plane as a resource template, without
		its status and the fields the member set (uid, resourceVersion, owner
		references, managed fields, a Service's cluster IPs, ...). Its namespace
		is created on the control plane if missing. A PropagationPolicy
		(ClusterPropagationPolicy for cluster-scoped kinds), named NAME-KIND
		unless --policy-name says otherwise, selects it and places it on that
		member only, with conflictResolution Overwrite, so that the running object
		is taken over in place, and preserveResourcesOnDeletion, so that deleting
		the template later leaves it running.

		With --dependencies the ConfigMaps and Secrets that the pod template
		references (volumes, envFrom, env valueFrom) are promoted as well, and
		the policy selects each of them by name. Those that already exist on the
		control plane are left as they are and not selected.

		An object that already has a template on the control plane is left
		alone. When a step fails, what this run created on the control plane is
		deleted again; the member is never written to by this command.`)

	promoteExample = templates.Examples(`
		# Adopt deployment web of namespace shop running in member3
		kubectl karmada promote deployment/web -n shop -C member3

		# Adopt it with the ConfigMaps and Secrets it uses
		kubectl karmada promote deployment/web -n shop -C member3 --dependencies

		# Adopt a cluster-scoped object under a policy name of your choice
		kubectl karmada promote clusterrole/reader -C member1 --policy-name reader-from-member1

		# Show what would be created, without creating it
		kubectl karmada promote deployment/web -n shop -C member3 --dry-run=client -o yaml`)
)

// PromoteOptions hold the flags and resolved clients of one promote.
type PromoteOptions struct {
	genericiooptions.IOStreams
	PrintFlags *genericclioptions.PrintFlags

	Arg          string
	Cluster      string
	Dependencies bool
	PolicyName   string

	// Filled by Complete.
	Namespace          string
	DryRun             cmdutil.DryRunStrategy
	MemberMapper       meta.RESTMapper
	ControlPlaneMapper meta.RESTMapper
	Promoter           *promotion.Promoter
}

// NewPromoteOptions returns options with the flag defaults.
func NewPromoteOptions(streams genericiooptions.IOStreams) *PromoteOptions {
	s, err := propagationpolicy.NewScheme()
	cmdutil.CheckErr(err)
	return &PromoteOptions{
		IOStreams:  streams,
		PrintFlags: genericclioptions.NewPrintFlags("").WithTypeSetter(s),
	}
}

// NewCmdPromote returns the promote command.
func NewCmdPromote(f cmdutil.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewPromoteOptions(streams)
	cmd := &cobra.Command{
		Use:                   "promote TYPE/NAME -C CLUSTER [--dependencies] [--policy-name NAME]",
		DisableFlagsInUseLine: true,
		Short:                 "Adopt an object running in a member cluster into the control plane",
		Long:                  promoteLong,
		Example:               promoteExample,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("exactly one TYPE/NAME is required, got %d arguments; see '%s -h'", len(args), cmd.CommandPath())
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
	// Not --cluster: that global flag picks the kubeconfig cluster entry.
	flags.StringVarP(&o.Cluster, "from-cluster", "C", o.Cluster, "Member cluster the object runs in (required).")
	flags.BoolVar(&o.Dependencies, "dependencies", o.Dependencies, "Promote the ConfigMaps and Secrets the pod template references too.")
	flags.StringVar(&o.PolicyName, "policy-name", o.PolicyName, "Name of the policy; NAME-KIND of the object if empty.")
	o.PrintFlags.AddFlags(cmd)
	cmdutil.AddDryRunFlag(cmd)
	cmdutil.CheckErr(cmd.RegisterFlagCompletionFunc("from-cluster", func(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		return membership.CompleteClusterNames(cmd.Context(), f, toComplete), cobra.ShellCompDirectiveNoFileComp
	}))
	return cmd
}

// Complete takes the argument, namespace and dry-run strategy, and builds the
// clients of the control plane and of the member. Nothing here contacts either.
func (o *PromoteOptions) Complete(f cmdutil.Factory, cmd *cobra.Command, args []string) error {
	o.Arg = args[0]
	var err error
	if o.Namespace, _, err = f.ToRawKubeConfigLoader().Namespace(); err != nil {
		return err
	}
	if o.DryRun, err = cmdutil.GetDryRunStrategy(cmd); err != nil {
		return err
	}
	if o.Cluster == "" {
		return nil // Validate reports it
	}
	s, err := propagationpolicy.NewScheme()
	if err != nil {
		return err
	}
	if o.ControlPlaneMapper, err = f.ToRESTMapper(); err != nil {
		return err
	}
	cpConfig, err := f.ToRESTConfig()
	if err != nil {
		return err
	}
	cp, err := client.New(cpConfig, client.Options{Scheme: s, Mapper: o.ControlPlaneMapper})
	if err != nil {
		return err
	}
	// The member's discovery stays in memory: a disk cache of a member would
	// outlive a re-join of another cluster under the same name.
	mf := clusterclient.NewFactory(clusterclient.Member(f, o.Cluster, clusterclient.Options{}))
	if o.MemberMapper, err = mf.ToRESTMapper(); err != nil {
		return err
	}
	memberConfig, err := mf.ToRESTConfig()
	if err != nil {
		return err
	}
	member, err := client.New(memberConfig, client.Options{Scheme: s, Mapper: o.MemberMapper})
	if err != nil {
		return err
	}
	o.Promoter = &promotion.Promoter{ControlPlane: cp, Member: member, Cluster: o.Cluster}
	return nil
}

// Validate checks the flags and the form of the argument.
func (o *PromoteOptions) Validate() error {
	if o.Cluster == "" {
		return errors.New("-C (--from-cluster) is required: the member cluster the object runs in")
	}
	if errs := validation.IsDNS1123Label(o.Cluster); len(errs) > 0 {
		return fmt.Errorf("invalid cluster name %q: %s", o.Cluster, errs[0])
	}
	if err := propagationpolicy.ValidateArgs([]string{o.Arg}); err != nil {
		return err
	}
	if o.PolicyName != "" {
		if err := propagationpolicy.ValidateName(o.PolicyName); err != nil {
			return err
		}
	}
	if o.DryRun == cmdutil.DryRunServer {
		return errors.New("--dry-run=server is not supported: the templates would need their namespace; use --dry-run=client")
	}
	_, err := o.PrintFlags.ToPrinter()
	return err
}

// Run resolves the object's kind in the member, plans the promotion, and writes
// (or, on a client dry run, prints) what it creates.
func (o *PromoteOptions) Run(ctx context.Context) error {
	// Before the member's discovery, which fails obscurely for an unknown cluster.
	if err := o.Promoter.CheckCluster(ctx); err != nil {
		return err
	}
	refs, err := propagationpolicy.Resolve(ctx, o.MemberMapper, o.Namespace, o.Arg)
	if err != nil {
		return fmt.Errorf("cluster %s: %w", o.Cluster, err)
	}
	ref := refs[0]
	if _, err := o.ControlPlaneMapper.RESTMapping(ref.GVK.GroupKind(), ref.GVK.Version); meta.IsNoMatchError(err) {
		return fmt.Errorf("the control plane does not serve %s %s; install it there before promoting", ref.APIVersion(), ref.GVK.Kind)
	} else if err != nil {
		return err
	}
	name := o.PolicyName
	if name == "" {
		name = propagationpolicy.DefaultName(ref)
		if err := propagationpolicy.ValidateName(name); err != nil {
			return fmt.Errorf("%w; choose one with --policy-name", err)
		}
	}
	plan, err := o.Promoter.Plan(ctx, promotion.Request{Ref: ref, PolicyName: name, Dependencies: o.Dependencies})
	var already *promotion.AlreadyPromotedError
	var conflict *promotion.PolicyConflictError
	switch {
	case errors.As(err, &already):
		fmt.Fprintln(o.Out, already.Error())
		return nil
	case errors.As(err, &conflict):
		return fmt.Errorf("%w; choose another name with --policy-name", err)
	case err != nil:
		return err
	}
	for _, note := range plan.Notes {
		fmt.Fprintf(o.ErrOut, "Note: %s\n", note)
	}
	if plan.PolicyExists {
		fmt.Fprintf(o.ErrOut, "Note: %s already exists and selects the same; it is kept\n", plan.Policy)
	}
	created := o.planned(plan)
	if o.DryRun != cmdutil.DryRunClient {
		if created, err = o.Promoter.Apply(ctx, plan); err != nil {
			return err
		}
	}
	p := &printer{o: o}
	for _, obj := range created {
		if err := p.print(obj, o.operation(obj)); err != nil {
			return err
		}
	}
	return nil
}

// planned lists what the plan creates, in order.
func (o *PromoteOptions) planned(plan *promotion.Plan) []client.Object {
	var out []client.Object
	if plan.Namespace != nil {
		out = append(out, plan.Namespace)
	}
	if !plan.PolicyExists {
		out = append(out, plan.Policy.Object)
	}
	for _, t := range plan.Templates {
		out = append(out, t)
	}
	return out
}

// operation is what the name printer says about obj: templates are promoted,
// namespaces and policies created.
func (o *PromoteOptions) operation(obj client.Object) string {
	if _, template := obj.(*unstructured.Unstructured); template {
		return "promoted from " + o.Cluster
	}
	return "created"
}

// printer prints with one printer for -o formats, so that YAML documents are
// separated, and with a name printer per operation otherwise.
type printer struct {
	o      *PromoteOptions
	shared printers.ResourcePrinter
}

func (p *printer) print(obj runtime.Object, operation string) error {
	flags := p.o.PrintFlags
	if format := *flags.OutputFormat; format != "" && format != "name" {
		if p.shared == nil {
			var err error
			if p.shared, err = flags.ToPrinter(); err != nil {
				return err
			}
		}
		return p.shared.PrintObj(obj, p.o.Out)
	}
	flags.NamePrintFlags.Operation = operation
	printer, err := cmdutil.PrintFlagsWithDryRunStrategy(flags, p.o.DryRun).ToPrinter()
	if err != nil {
		return err
	}
	return printer.PrintObj(obj, p.o.Out)
}
