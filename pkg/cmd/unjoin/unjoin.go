package unjoin

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/fleetplane/fleetplane/pkg/federate/membership"
)

const (
	defaultWait          = 2 * time.Minute
	memberRequestTimeout = 30 * time.Second
)

var (
	unjoinLong = templates.LongDesc(`
		Remove a member cluster: delete its Cluster object, credential Secrets and
		execution namespace karmada-es-NAME from the control plane, and remove
		what join (and the control plane's grant controller) created in the member:
		the ServiceAccounts karmada-NAME and karmada-impersonator, their token
		Secrets and ClusterRoles/ClusterRoleBindings, and the namespace
		karmada-cluster unless it holds anything else.

		Without --cluster-kubeconfig the member is reached with the credentials
		stored for the cluster on the control plane. Unjoining a cluster that is
		already gone succeeds.`)

	unjoinExample = templates.Examples(`
		# Unjoin member1, reaching it with the credentials stored on the control plane
		kubectl karmada unjoin member1

		# Unjoin member1 with the member's own kubeconfig
		kubectl karmada unjoin member1 --cluster-kubeconfig ~/.kube/members.config --cluster-context member1

		# Remove a member that no longer answers, leaving its objects behind
		kubectl karmada unjoin member3 --force`)
)

// UnjoinOptions hold the flags and resolved clients of one unjoin.
type UnjoinOptions struct {
	genericiooptions.IOStreams

	Name              string
	ClusterKubeconfig string
	ClusterContext    string
	ClusterNamespace  string
	Wait              time.Duration
	Force             bool

	// Unjoiner is filled by Complete.
	Unjoiner *membership.Unjoiner
}

// NewUnjoinOptions returns options with the flag defaults.
func NewUnjoinOptions(streams genericiooptions.IOStreams) *UnjoinOptions {
	return &UnjoinOptions{IOStreams: streams, ClusterNamespace: membership.DefaultSecretNamespace, Wait: defaultWait}
}

// NewCmdUnjoin returns the unjoin command.
func NewCmdUnjoin(f cmdutil.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewUnjoinOptions(streams)
	cmd := &cobra.Command{
		Use:                   "unjoin NAME [--cluster-kubeconfig FILE [--cluster-context CONTEXT]]",
		DisableFlagsInUseLine: true,
		Short:                 "Remove a member cluster from the control plane",
		Long:                  unjoinLong,
		Example:               unjoinExample,
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
	flags := cmd.Flags()
	flags.StringVar(&o.ClusterKubeconfig, "cluster-kubeconfig", o.ClusterKubeconfig, "Kubeconfig file of the member cluster; the stored credentials are used if empty.")
	flags.StringVar(&o.ClusterContext, "cluster-context", o.ClusterContext, "Context in --cluster-kubeconfig; its current context if empty.")
	flags.StringVar(&o.ClusterNamespace, "cluster-namespace", o.ClusterNamespace, "Control-plane namespace of the credential Secrets, used when the Cluster object is already gone.")
	flags.DurationVar(&o.Wait, "wait", o.Wait, "How long to wait for each deletion on the control plane to finish; 0 does not wait.")
	flags.BoolVar(&o.Force, "force", o.Force, "Go on when the member cannot be reached or cleaned up, leaving its objects behind.")
	cmdutil.CheckErr(cmd.MarkFlagFilename("cluster-kubeconfig"))
	return cmd
}

// Complete builds the control-plane clients and, with --cluster-kubeconfig, the
// member client.
func (o *UnjoinOptions) Complete(f cmdutil.Factory, args []string) error {
	o.Name = args[0]
	cfg, err := f.ToRESTConfig()
	if err != nil {
		return err
	}
	cp, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	clusters, err := membership.NewClient(cfg)
	if err != nil {
		return err
	}
	o.Unjoiner = &membership.Unjoiner{ControlPlane: cp, Clusters: clusters, Progress: o.ErrOut}
	if o.ClusterKubeconfig == "" {
		return nil
	}
	memberConfig, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		&clientcmd.ClientConfigLoadingRules{ExplicitPath: o.ClusterKubeconfig},
		&clientcmd.ConfigOverrides{CurrentContext: o.ClusterContext}).ClientConfig()
	if err != nil {
		return fmt.Errorf("cannot use member kubeconfig %s: %v; check --cluster-kubeconfig and --cluster-context", o.ClusterKubeconfig, err)
	}
	memberConfig.Timeout = memberRequestTimeout
	memberConfig.UserAgent = rest.DefaultKubernetesUserAgent()
	o.Unjoiner.MemberEndpoint = memberConfig.Host
	o.Unjoiner.Member, err = kubernetes.NewForConfig(memberConfig)
	return err
}

// Validate checks the flags.
func (o *UnjoinOptions) Validate() error {
	if o.Name == "" {
		return errors.New("a cluster NAME is required")
	}
	if o.ClusterContext != "" && o.ClusterKubeconfig == "" {
		return errors.New("--cluster-context needs --cluster-kubeconfig")
	}
	if o.Wait < 0 {
		return errors.New("--wait must not be negative")
	}
	return nil
}

// Run unjoins the cluster and reports it on Out.
func (o *UnjoinOptions) Run(ctx context.Context) error {
	err := o.Unjoiner.Unjoin(ctx, membership.UnjoinOptions{
		Name:            o.Name,
		SecretNamespace: o.ClusterNamespace,
		Wait:            o.Wait,
		Force:           o.Force,
	})
	var access *membership.MemberAccessError
	switch {
	case errors.As(err, &access) && o.ClusterKubeconfig != "":
		return fmt.Errorf("%w; check --cluster-kubeconfig and --cluster-context, or pass --force to skip the member", err)
	case errors.As(err, &access):
		return fmt.Errorf("%w; pass the member's --cluster-kubeconfig, or --force to skip the member", err)
	case err != nil:
		return err
	}
	fmt.Fprintf(o.Out, "cluster %q unjoined\n", o.Name)
	return nil
}
