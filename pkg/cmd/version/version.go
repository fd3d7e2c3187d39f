package version

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	apimachineryversion "k8s.io/apimachinery/pkg/version"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/discovery"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	"k8s.io/kubectl/pkg/util/templates"
	"sigs.k8s.io/yaml"

	"github.com/fleetplane/fleetplane/pkg/federate/membership"
	"github.com/fleetplane/fleetplane/pkg/version"
)

// Proxy states reported by the command.
const (
	ProxyAvailable     = "available"
	ProxyNotRegistered = "not registered"
	ProxyUnavailable   = "unavailable"
)

var versionExample = templates.Examples(`
	# Print the plugin's and the control plane's versions
	kubectl karmada version

	# Print only the plugin's version, as JSON
	kubectl karmada version --client -o json`)

// Info is what the command prints.
type Info struct {
	ClientVersion version.Info              `json:"clientVersion"`
	ServerVersion *apimachineryversion.Info `json:"serverVersion,omitempty"`
	// Proxy says whether the control plane serves cluster.karmada.io/v1alpha1.
	Proxy string `json:"proxy,omitempty"`
}

// VersionOptions hold the flags and clients of the version command.
type VersionOptions struct {
	genericiooptions.IOStreams

	ClientOnly bool
	Output     string

	// ClientVersion and Discovery are filled by Complete; Discovery is nil
	// with ClientOnly.
	ClientVersion version.Info
	Discovery     discovery.DiscoveryInterface
}

// NewCmdVersion returns the version command.
func NewCmdVersion(f cmdutil.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := &VersionOptions{IOStreams: streams}
	cmd := &cobra.Command{
		Use:                   "version [--client] [-o json|yaml]",
		DisableFlagsInUseLine: true,
		Short:                 "Print the plugin and control plane versions",
		Example:               versionExample,
		Args:                  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(f); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	cmd.Flags().BoolVar(&o.ClientOnly, "client", o.ClientOnly, "Print the plugin's version only, without contacting the control plane.")
	cmd.Flags().StringVarP(&o.Output, "output", "o", o.Output, "Output format: json or yaml; plain text if empty.")
	cmdutil.CheckErr(cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"json", "yaml"}, cobra.ShellCompDirectiveNoFileComp)))
	return cmd
}

// Complete records the plugin's version and builds an uncached discovery client.
func (o *VersionOptions) Complete(f cmdutil.Factory) error {
	o.ClientVersion = version.Get()
	if o.ClientOnly {
		return nil
	}
	cfg, err := f.ToRESTConfig()
	if err != nil {
		return err
	}
	o.Discovery, err = discovery.NewDiscoveryClientForConfig(cfg)
	return err
}

// Validate checks the output format.
func (o *VersionOptions) Validate() error {
	switch o.Output {
	case "", "json", "yaml":
		return nil
	}
	return fmt.Errorf("--output must be json or yaml, not %q", o.Output)
}

// Run prints the versions. When the control plane cannot be reached, the plugin's
// version is still printed before the error is returned.
func (o *VersionOptions) Run(ctx context.Context) error {
	info := Info{ClientVersion: o.ClientVersion}
	var serverErr error
	if !o.ClientOnly {
		info.ServerVersion, serverErr = discovery.ToDiscoveryInterfaceWithContext(o.Discovery).ServerVersionWithContext(ctx)
		if serverErr == nil {
			info.Proxy = proxyState(membership.CheckClusterAPI(ctx, o.Discovery))
		} else {
			serverErr = fmt.Errorf("cannot reach the control plane: %w", serverErr)
		}
	}
	if err := o.print(info); err != nil {
		return err
	}
	return serverErr
}

func proxyState(err error) string {
	switch {
	case err == nil:
		return ProxyAvailable
	case errors.Is(err, membership.ErrAPINotServed):
		return ProxyNotRegistered
	}
	return ProxyUnavailable
}

func (o *VersionOptions) print(info Info) error {
	switch o.Output {
	case "json":
		b, err := json.MarshalIndent(info, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(o.Out, "%s\n", b)
		return err
	case "yaml":
		b, err := yaml.Marshal(info)
		if err != nil {
			return err
		}
		_, err = o.Out.Write(b)
		return err
	}
	c := info.ClientVersion
	fmt.Fprintf(o.Out, "Client Version: %s (%s, %s)\n", c.GitVersion, c.GoVersion, c.Platform)
	if info.ServerVersion != nil {
		fmt.Fprintf(o.Out, "Server Version: %s\n", info.ServerVersion.GitVersion)
		fmt.Fprintf(o.Out, "Proxy: %s\n", info.Proxy)
	}
	return nil
}
