package exec

import (
	"context"
	"errors"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	kubectlexec "k8s.io/kubectl/pkg/cmd/exec"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/fleetplane/fleetplane/pkg/clusterclient"
)

var (
	execLong = templates.LongDesc(`
		Execute a command in a container of a pod in a member cluster.

		This is kubectl exec, run through the cluster proxy of the member that holds
		the pod. Without -C, the control plane's global proxy finds that member; a
		pod name that exists in several clusters needs -C.`)

	execExample = templates.Examples(`
		# Run date in the pod web-0, wherever it runs
		kubectl karmada exec web-0 -- date

		# Open an interactive shell in container app of web-0 in member2
		kubectl karmada exec -it web-0 -c app -C member2 -- sh

		# Run ls in the first pod of the deployment web
		kubectl karmada exec deployment/web -- ls /`)
)

// ExecOptions run kubectl's exec in one member cluster.
type ExecOptions struct {
	genericiooptions.IOStreams

	// Cluster holds the pod; found through the global proxy if empty.
	Cluster string
	// Executor runs the remote command; kubectl's by default.
	Executor kubectlexec.RemoteExecutor

	// Filled by Complete.
	Args          []string
	ArgsLenAtDash int
	Namespace     string
	CacheDir      string
	Base          cmdutil.Factory
	Global        cmdutil.Factory
	// Exec is kubectl's exec, with the flags of the command; Run completes it
	// with the member's factory.
	Exec     *kubectlexec.ExecOptions
	cmd      *cobra.Command
	warnings *clusterclient.WarningRecorder
}

// NewExecOptions returns options with kubectl's executor.
func NewExecOptions(streams genericiooptions.IOStreams) *ExecOptions {
	return &ExecOptions{IOStreams: streams, Executor: &kubectlexec.DefaultRemoteExecutor{}}
}

// NewCmdExec returns the exec command: kubectl's exec command, with its flags
// (-c, -i, -t, -q, -f, --pod-running-timeout) and completion, plus -C.
func NewCmdExec(f cmdutil.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	return newCmd(f, NewExecOptions(streams))
}

func newCmd(f cmdutil.Factory, o *ExecOptions) *cobra.Command {
	cmd := kubectlexec.NewCmdExec(clusterclient.NewFactory(clusterclient.GlobalProxy(f, clusterclient.Options{})), o.IOStreams)
	cmd.Use = "exec (POD | TYPE/NAME) [-C CLUSTER] [-c CONTAINER] [flags] -- COMMAND [args...]"
	cmd.Short = "Execute a command in a container in a member cluster"
	cmd.Long, cmd.Example = execLong, execExample
	// kubectl's Run exits the process on errors; return them instead.
	cmd.Run = nil
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := o.Complete(f, cmd, args, cmd.ArgsLenAtDash()); err != nil {
			return err
		}
		if err := o.Validate(); err != nil {
			return err
		}
		return o.Run(cmd.Context())
	}
	cmd.Flags().StringVarP(&o.Cluster, "cluster", "C", o.Cluster, "Member cluster of the pod; found through the global proxy if empty. (Here --cluster names a member, not a kubeconfig cluster; use --context for that.)")
	cmdutil.CheckErr(cmd.RegisterFlagCompletionFunc("cluster", clusterclient.CompleteCluster(f)))
	return cmd
}

// Complete reads kubectl's exec flags of cmd into Exec and takes the namespace.
// Nothing here contacts the control plane.
func (o *ExecOptions) Complete(f cmdutil.Factory, cmd *cobra.Command, args []string, argsLenAtDash int) error {
	o.Args, o.ArgsLenAtDash, o.Base, o.cmd = args, argsLenAtDash, f, cmd
	o.CacheDir = clusterclient.CacheDir(cmd.Flags())
	o.warnings = clusterclient.NewWarningRecorder(o.ErrOut)
	o.Global = clusterclient.NewFactory(clusterclient.GlobalProxy(f, clusterclient.Options{Warnings: o.warnings, CacheDir: o.CacheDir}))
	o.Exec = &kubectlexec.ExecOptions{
		StreamOptions: kubectlexec.StreamOptions{IOStreams: o.IOStreams},
		Executor:      o.Executor,
	}
	flags := cmd.Flags()
	var err error
	if o.Exec.ContainerName, err = flags.GetString("container"); err != nil {
		return err
	}
	if o.Exec.Stdin, err = flags.GetBool("stdin"); err != nil {
		return err
	}
	if o.Exec.TTY, err = flags.GetBool("tty"); err != nil {
		return err
	}
	if o.Exec.Quiet, err = flags.GetBool("quiet"); err != nil {
		return err
	}
	if o.Exec.Filenames, err = flags.GetStringSlice("filename"); err != nil {
		return err
	}
	o.Namespace, _, err = f.ToRawKubeConfigLoader().Namespace()
	return err
}

// Validate checks that the pod is named; kubectl checks the rest.
func (o *ExecOptions) Validate() error {
	if o.resourceName() == "" {
		if len(o.Exec.Filenames) > 0 && o.Cluster == "" {
			return errors.New("-f needs the cluster of the pod: choose it with -C")
		}
		if len(o.Exec.Filenames) == 0 {
			return cmdutil.UsageErrorf(o.cmd, "POD or TYPE/NAME is required, e.g. exec web-0 -- date")
		}
	}
	return nil
}

// resourceName is the POD or TYPE/NAME argument, as kubectl's exec reads it.
func (o *ExecOptions) resourceName() string {
	if len(o.Args) > 0 && o.ArgsLenAtDash != 0 {
		return o.Args[0]
	}
	return ""
}

// Run finds the pod's cluster, unless given, and runs kubectl's exec through
// that cluster's proxy.
func (o *ExecOptions) Run(ctx context.Context) error {
	cluster := o.Cluster
	if cluster != "" {
		if err := clusterclient.CheckNamesFor(ctx, o.Base, []string{cluster}); err != nil {
			return err
		}
	} else {
		var err error
		if cluster, err = clusterclient.FindCluster(o.Global, o.warnings, o.Namespace, o.resourceName(), ""); err != nil {
			return err
		}
	}
	member := clusterclient.NewFactory(clusterclient.Member(o.Base, cluster, clusterclient.Options{CacheDir: o.CacheDir}))
	if err := o.Exec.Complete(member, o.cmd, o.Args, o.ArgsLenAtDash); err != nil {
		return err
	}
	if err := o.Exec.Validate(); err != nil {
		return err
	}
	return o.Exec.Run()
}
