package logs

import (
	"context"
	"errors"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	kubectllogs "k8s.io/kubectl/pkg/cmd/logs"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	"k8s.io/kubectl/pkg/util/completion"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/fleetplane/fleetplane/pkg/clusterclient"
)

var (
	logsLong = templates.LongDesc(`
		Print the logs of a container in a pod of a member cluster.

		This is kubectl logs, run through the cluster proxy of the member that holds
		the pod. Without -C, the control plane's global proxy finds that member; a
		pod name that exists in several clusters needs -C. TYPE/NAME (such as
		deployment/web) and -l select a pod as kubectl logs does.`)

	logsExample = templates.Examples(`
		# Print the logs of the pod web-0, wherever it runs
		kubectl karmada logs web-0

		# Follow the logs of container app of web-0 in member2
		kubectl karmada logs web-0 -c app -C member2 -f

		# Print the last 20 lines of every container of the pods labelled app=web, with the source of each line
		kubectl karmada logs -l app=web --all-containers --tail 20 --prefix

		# Print the logs of the first pod of the deployment web
		kubectl karmada logs deployment/web`)
)

// LogsOptions run kubectl's logs in one member cluster.
type LogsOptions struct {
	genericiooptions.IOStreams

	// Cluster holds the pod; found through the global proxy if empty.
	Cluster string
	// Logs is kubectl's logs, completed with the member's factory.
	Logs *kubectllogs.LogsOptions

	// Filled by Complete.
	Args      []string
	Namespace string
	CacheDir  string
	Base      cmdutil.Factory
	Global    cmdutil.Factory
	cmd       *cobra.Command
	warnings  *clusterclient.WarningRecorder
}

// NewLogsOptions returns options with kubectl's defaults.
func NewLogsOptions(streams genericiooptions.IOStreams) *LogsOptions {
	return &LogsOptions{IOStreams: streams, Logs: kubectllogs.NewLogsOptions(streams)}
}

// NewCmdLogs returns the logs command, with kubectl's logs flags and -C.
func NewCmdLogs(f cmdutil.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewLogsOptions(streams)
	cmd := &cobra.Command{
		Use:                   "logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER] [-C CLUSTER]",
		DisableFlagsInUseLine: true,
		Short:                 "Print the logs of a container in a member cluster",
		Long:                  logsLong,
		Example:               logsExample,
		ValidArgsFunction:     completion.PodResourceNameAndContainerCompletionFunc(clusterclient.NewFactory(clusterclient.GlobalProxy(f, clusterclient.Options{}))),
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
	o.Logs.AddFlags(cmd)
	cmd.Flags().StringVarP(&o.Cluster, "cluster", "C", o.Cluster, "Member cluster of the pod; found through the global proxy if empty. (Here --cluster names a member, not a kubeconfig cluster; use --context for that.)")
	cmdutil.CheckErr(cmd.RegisterFlagCompletionFunc("cluster", clusterclient.CompleteCluster(f)))
	return cmd
}

// Complete takes the arguments and the namespace. Nothing here contacts the
// control plane.
func (o *LogsOptions) Complete(f cmdutil.Factory, cmd *cobra.Command, args []string) error {
	o.Args, o.Base, o.cmd = args, f, cmd
	o.CacheDir = clusterclient.CacheDir(cmd.Flags())
	o.warnings = clusterclient.NewWarningRecorder(o.ErrOut)
	o.Global = clusterclient.NewFactory(clusterclient.GlobalProxy(f, clusterclient.Options{Warnings: o.warnings, CacheDir: o.CacheDir}))
	var err error
	o.Namespace, _, err = f.ToRawKubeConfigLoader().Namespace()
	return err
}

// Validate checks that a pod is named or selected; kubectl checks the rest.
func (o *LogsOptions) Validate() error {
	if len(o.Args) == 0 && o.Logs.Selector == "" {
		return cmdutil.UsageErrorf(o.cmd, "POD or TYPE/NAME, or a selector (-l), is required")
	}
	return nil
}

// Run finds the pod's cluster, unless given, and runs kubectl's logs through
// that cluster's proxy.
func (o *LogsOptions) Run(ctx context.Context) error {
	cluster, err := o.findCluster(ctx)
	if err != nil {
		return err
	}
	member := clusterclient.NewFactory(clusterclient.Member(o.Base, cluster, clusterclient.Options{CacheDir: o.CacheDir}))
	if err := o.Logs.Complete(member, o.cmd, o.Args); err != nil {
		return err
	}
	if err := o.Logs.Validate(); err != nil {
		return err
	}
	return o.Logs.RunLogsContext(ctx)
}

// findCluster checks the cluster of -C, or finds the one holding the pod.
func (o *LogsOptions) findCluster(ctx context.Context) (string, error) {
	if o.Cluster != "" {
		return o.Cluster, clusterclient.CheckNamesFor(ctx, o.Base, []string{o.Cluster})
	}
	if len(o.Args) > 0 && o.Logs.Selector != "" {
		return "", errors.New("only a selector (-l) or a POD name is allowed")
	}
	arg := ""
	if len(o.Args) > 0 {
		arg = o.Args[0]
	}
	return clusterclient.FindCluster(o.Global, o.warnings, o.Namespace, arg, o.Logs.Selector)
}
