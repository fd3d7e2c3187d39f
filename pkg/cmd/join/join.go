package join

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/fleetplane/fleetplane/pkg/federate/membership"
)

const (
	defaultWait = 2 * time.Minute
	// memberRequestTimeout bounds each request to the member.
	memberRequestTimeout = 30 * time.Second
)

var (
	joinLong = templates.LongDesc(`
		Register a member cluster with the control plane in Push mode.

		In the member (reached with --cluster-kubeconfig and --cluster-context) this
		creates, in namespace karmada-cluster, the ServiceAccount karmada-NAME bound
		to a ClusterRole with all rights, the ServiceAccount karmada-impersonator
		without rights, and a token Secret for each. On the control plane it stores
		both tokens with the member's CA in Secrets NAME and NAME-impersonator,
		creates the Cluster NAME and the namespace karmada-es-NAME, and then waits
		until the Cluster is Ready.

		Running join again with the same name and member repairs what is missing.`)

	joinExample = templates.Examples(`
		# Join the cluster of context member1 in ~/.kube/members.config as "member1"
		kubectl karmada join member1 --cluster-kubeconfig ~/.kube/members.config --cluster-context member1

		# Join with placement attributes and labels, without waiting for Ready
		kubectl karmada join member2 --cluster-kubeconfig member2.config --provider aws --region us-east-1 --zones us-east-1a,us-east-1b --cluster-labels env=prod,team=web --wait 0`)
)

// JoinOptions hold the flags and resolved clients of one join.
type JoinOptions struct {
	genericiooptions.IOStreams

	Name              string
	ClusterKubeconfig string
	ClusterContext    string
	Provider          string
	Region            string
	Zones             []string
	ClusterLabels     []string
	ClusterNamespace  string
	Wait              time.Duration

	// Joiner and Request are filled by Complete.
	Joiner  *membership.Joiner
	Request membership.JoinOptions
}

// NewJoinOptions returns options with the flag defaults.
func NewJoinOptions(streams genericiooptions.IOStreams) *JoinOptions {
	return &JoinOptions{
		IOStreams:        streams,
		ClusterNamespace: membership.DefaultSecretNamespace,
		Wait:             defaultWait,
	}
}

// NewCmdJoin returns the join command.
func NewCmdJoin(f cmdutil.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewJoinOptions(streams)
	cmd := &cobra.Command{
		Use:                   "join NAME --cluster-kubeconfig FILE [--cluster-context CONTEXT]",
		DisableFlagsInUseLine: true,
		Short:                 "Register a member cluster with the control plane",
		Long:                  joinLong,
		Example:               joinExample,
		Args:                  exactlyOneName,
		ValidArgsFunction:     cobra.NoFileCompletions,
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
	flags.StringVar(&o.ClusterKubeconfig, "cluster-kubeconfig", o.ClusterKubeconfig, "Kubeconfig file of the member cluster (required).")
	flags.StringVar(&o.ClusterContext, "cluster-context", o.ClusterContext, "Context in --cluster-kubeconfig; its current context if empty.")
	flags.StringVar(&o.Provider, "provider", o.Provider, "Cloud provider of the member cluster.")
	flags.StringVar(&o.Region, "region", o.Region, "Region of the member cluster.")
	flags.StringSliceVar(&o.Zones, "zones", o.Zones, "Comma-separated zones of the member cluster.")
	flags.StringSliceVar(&o.ClusterLabels, "cluster-labels", o.ClusterLabels, "Comma-separated labels for the Cluster object, as key=value.")
	flags.StringVar(&o.ClusterNamespace, "cluster-namespace", o.ClusterNamespace, "Control-plane namespace for the member's credential Secrets.")
	flags.DurationVar(&o.Wait, "wait", o.Wait, "How long to wait for the cluster to become Ready; 0 does not wait.")
	cmdutil.CheckErr(cmd.MarkFlagRequired("cluster-kubeconfig"))
	cmdutil.CheckErr(cmd.MarkFlagFilename("cluster-kubeconfig"))
	return cmd
}

// exactlyOneName explains a missing or extra NAME in one line.
func exactlyOneName(cmd *cobra.Command, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("exactly one cluster NAME is required, got %d arguments; see '%s -h'", len(args), cmd.CommandPath())
	}
	return nil
}

// Complete builds the clients for the control plane and the member.
func (o *JoinOptions) Complete(f cmdutil.Factory, args []string) error {
	o.Name = args[0]
	if o.ClusterKubeconfig == "" {
		return nil // Validate reports it
	}
	labels, err := parseLabels(o.ClusterLabels)
	if err != nil {
		return err
	}
	cpConfig, err := f.ToRESTConfig()
	if err != nil {
		return err
	}
	cp, err := kubernetes.NewForConfig(cpConfig)
	if err != nil {
		return err
	}
	clusters, err := membership.NewClient(cpConfig)
	if err != nil {
		return err
	}
	memberConfig, proxyURL, err := loadMemberConfig(o.ClusterKubeconfig, o.ClusterContext)
	if err != nil {
		return err
	}
	member, err := kubernetes.NewForConfig(memberConfig)
	if err != nil {
		return err
	}
	o.Joiner = &membership.Joiner{ControlPlane: cp, Clusters: clusters, Member: member, Progress: o.ErrOut}
	o.Request = membership.JoinOptions{
		Name:                  o.Name,
		APIEndpoint:           memberConfig.Host,
		CAData:                memberConfig.CAData,
		InsecureSkipTLSVerify: memberConfig.Insecure,
		ProxyURL:              proxyURL,
		Provider:              o.Provider,
		Region:                o.Region,
		Zones:                 o.Zones,
		Labels:                labels,
		SecretNamespace:       o.ClusterNamespace,
		Wait:                  o.Wait,
	}
	return nil
}

// loadMemberConfig reads the member's client configuration, with its CA file read
// in, and the proxy URL of its kubeconfig cluster entry.
func loadMemberConfig(path, context string) (*rest.Config, string, error) {
	loader := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		&clientcmd.ClientConfigLoadingRules{ExplicitPath: path},
		&clientcmd.ConfigOverrides{CurrentContext: context})
	fail := func(err error) (*rest.Config, string, error) {
		return nil, "", fmt.Errorf("cannot use member kubeconfig %s: %v; check --cluster-kubeconfig and --cluster-context", path, err)
	}
	cfg, err := loader.ClientConfig()
	if err != nil {
		return fail(err)
	}
	if err := rest.LoadTLSFiles(cfg); err != nil {
		return fail(err)
	}
	raw, err := loader.RawConfig()
	if err != nil {
		return fail(err)
	}
	if context == "" {
		context = raw.CurrentContext
	}
	var proxyURL string
	if kctx, ok := raw.Contexts[context]; ok {
		if c, ok := raw.Clusters[kctx.Cluster]; ok {
			proxyURL = c.ProxyURL
		}
	}
	cfg.Timeout = memberRequestTimeout
	cfg.UserAgent = rest.DefaultKubernetesUserAgent()
	return cfg, proxyURL, nil
}

// Validate checks the flags.
func (o *JoinOptions) Validate() error {
	if o.ClusterKubeconfig == "" {
		return errors.New("--cluster-kubeconfig is required: the kubeconfig of the member cluster to join")
	}
	if err := ValidateClusterName(o.Name); err != nil {
		return err
	}
	if _, err := parseLabels(o.ClusterLabels); err != nil {
		return err
	}
	if errs := validation.IsDNS1123Label(o.ClusterNamespace); len(errs) > 0 {
		return fmt.Errorf("invalid --cluster-namespace %q: %s", o.ClusterNamespace, errs[0])
	}
	if o.Wait < 0 {
		return fmt.Errorf("--wait must not be negative")
	}
	return nil
}

// ValidateClusterName checks that name can name a Cluster and its execution
// namespace karmada-es-NAME.
func ValidateClusterName(name string) error {
	if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
		return fmt.Errorf("invalid cluster name %q: %s", name, errs[0])
	}
	if ns := membership.ExecutionNamespace(name); len(ns) > validation.DNS1123LabelMaxLength {
		return fmt.Errorf("invalid cluster name %q: at most %d characters, so that namespace %s... fits",
			name, validation.DNS1123LabelMaxLength-len(membership.ExecutionNamespacePrefix), membership.ExecutionNamespacePrefix)
	}
	return nil
}

// parseLabels reads key=value pairs.
func parseLabels(pairs []string) (map[string]string, error) {
	if len(pairs) == 0 {
		return nil, nil
	}
	labels := make(map[string]string, len(pairs))
	for _, pair := range pairs {
		k, v, ok := strings.Cut(pair, "=")
		if !ok {
			return nil, fmt.Errorf("invalid --cluster-labels entry %q: want key=value", pair)
		}
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			return nil, fmt.Errorf("invalid --cluster-labels key %q: %s", k, errs[0])
		}
		if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
			return nil, fmt.Errorf("invalid --cluster-labels value %q of key %q: %s", v, k, errs[0])
		}
		labels[k] = v
	}
	return labels, nil
}

// Run joins the cluster and reports it on Out.
func (o *JoinOptions) Run(ctx context.Context) error {
	_, err := o.Joiner.Join(ctx, o.Request)
	var unreachable *membership.UnreachableError
	if errors.As(err, &unreachable) {
		return fmt.Errorf("%w; check --cluster-kubeconfig and --cluster-context", err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "cluster %q joined\n", o.Name)
	return nil
}
