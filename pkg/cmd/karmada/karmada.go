package karmada

import (
	"flag"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/klog/v2"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/fleetplane/fleetplane/pkg/cmd/apiresources"
	"github.com/fleetplane/fleetplane/pkg/cmd/cordon"
	"github.com/fleetplane/fleetplane/pkg/cmd/describe"
	"github.com/fleetplane/fleetplane/pkg/cmd/exec"
	"github.com/fleetplane/fleetplane/pkg/cmd/get"
	"github.com/fleetplane/fleetplane/pkg/cmd/join"
	"github.com/fleetplane/fleetplane/pkg/cmd/kubeconfig"
	"github.com/fleetplane/fleetplane/pkg/cmd/logs"
	"github.com/fleetplane/fleetplane/pkg/cmd/promote"
	"github.com/fleetplane/fleetplane/pkg/cmd/propagate"
	"github.com/fleetplane/fleetplane/pkg/cmd/taint"
	"github.com/fleetplane/fleetplane/pkg/cmd/unjoin"
	"github.com/fleetplane/fleetplane/pkg/cmd/version"
)

var rootLong = templates.LongDesc(`
	Manage the member clusters of a Karmada-compatible control plane.

	The standard kubectl flags (--kubeconfig, --context, ...) select the control
	plane. Member clusters are reached through the control plane's cluster proxy;
	see "kubectl karmada kubeconfig". get, describe, logs, exec and api-resources
	work across the member clusters at once.`)

// NewCmdKarmada returns the root command of the plugin. Runtime errors are returned
// from Execute, not printed: the caller prints them as one line.
func NewCmdKarmada(streams genericiooptions.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "kubectl-karmada",
		Short: "Manage the member clusters of a Karmada-compatible control plane",
		Long:  rootLong,
		Annotations: map[string]string{
			cobra.CommandDisplayNameAnnotation: "kubectl karmada",
		},
		SilenceUsage:  true,
		SilenceErrors: true,
		// The default completion command is replaced by ours.
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	cmd.SetIn(streams.In)
	cmd.SetOut(streams.Out)
	cmd.SetErr(streams.ErrOut)

	configFlags := genericclioptions.NewConfigFlags(true)
	configFlags.AddFlags(cmd.PersistentFlags())
	addVerbosityFlag(cmd)
	f := cmdutil.NewFactory(configFlags)

	cmd.AddCommand(
		join.NewCmdJoin(f, streams),
		unjoin.NewCmdUnjoin(f, streams),
		kubeconfig.NewCmdKubeconfig(f, streams),
		cordon.NewCmdCordon(f, streams),
		cordon.NewCmdUncordon(f, streams),
		taint.NewCmdTaint(f, streams),
		propagate.NewCmdPropagate(f, streams),
		promote.NewCmdPromote(f, streams),
		get.NewCmdGet(f, streams),
		describe.NewCmdDescribe(f, streams),
		logs.NewCmdLogs(f, streams),
		exec.NewCmdExec(f, streams),
		apiresources.NewCmdAPIResources(f, streams),
		version.NewCmdVersion(f, streams),
		NewCmdCompletion(streams),
	)
	return cmd
}

// addVerbosityFlag adds klog's -v, for diagnostics only.
func addVerbosityFlag(cmd *cobra.Command) {
	fs := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(fs)
	cmd.PersistentFlags().AddGoFlag(fs.Lookup("v"))
}
