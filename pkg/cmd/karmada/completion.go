package karmada

import (
	"fmt"
	"slices"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"
)

var (
	completionShells = []string{"bash", "zsh"}

	completionLong = templates.LongDesc(`
		Print a shell completion script for kubectl-karmada.

		Cluster names are completed from the control plane. To complete
		"kubectl karmada ..." as well, put an executable named
		kubectl_complete-karmada on your PATH that runs
		"kubectl-karmada __complete \"$@\"".`)

	completionExample = templates.Examples(`
		# Load completions into the current bash session
		source <(kubectl-karmada completion bash)

		# Install zsh completions
		kubectl-karmada completion zsh > "${fpath[1]}/_kubectl-karmada"`)
)

// CompletionOptions print a completion script for the root command.
type CompletionOptions struct {
	genericiooptions.IOStreams

	// Shell is bash or zsh.
	Shell string
	// Root is the command tree to complete.
	Root *cobra.Command
}

// NewCmdCompletion returns the completion command.
func NewCmdCompletion(streams genericiooptions.IOStreams) *cobra.Command {
	o := &CompletionOptions{IOStreams: streams}
	return &cobra.Command{
		Use:                   "completion bash|zsh",
		DisableFlagsInUseLine: true,
		Short:                 "Print a shell completion script",
		Long:                  completionLong,
		Example:               completionExample,
		ValidArgs:             completionShells,
		Args:                  cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Complete(cmd, args)
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run()
		},
	}
}

// Complete takes the shell from the arguments and the tree from cmd.
func (o *CompletionOptions) Complete(cmd *cobra.Command, args []string) {
	o.Shell = args[0]
	o.Root = cmd.Root()
}

// Validate checks the shell.
func (o *CompletionOptions) Validate() error {
	if !slices.Contains(completionShells, o.Shell) {
		return fmt.Errorf("unsupported shell %q (want bash or zsh)", o.Shell)
	}
	return nil
}

// Run writes the script to Out.
func (o *CompletionOptions) Run() error {
	if o.Shell == "zsh" {
		return o.Root.GenZshCompletion(o.Out)
	}
	return o.Root.GenBashCompletionV2(o.Out, true)
}
