package describe

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/cli-runtime/pkg/resource"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	kubectldescribe "k8s.io/kubectl/pkg/describe"
	"k8s.io/kubectl/pkg/util/completion"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/fleetplane/fleetplane/pkg/clusterclient"
)

var (
	describeLong = templates.LongDesc(`
		Show the details of an object in every member cluster that holds it.

		This is kubectl describe, run through each cluster's proxy: the output of
		each cluster starts with a "Cluster: NAME" header, in the order of the
		cluster names. Clusters without the object are skipped; an object in no
		cluster is an error. Without -C, every Ready cluster is asked.

		A cluster that fails is named in a warning; the others are still shown and
		the command exits non-zero.`)

	describeExample = templates.Examples(`
		# Describe the pod web-0 in every cluster that has it
		kubectl karmada describe pod web-0

		# Describe the deployment web in member1 only
		kubectl karmada describe deployment/web -C member1

		# Describe a node of member2, without events
		kubectl karmada describe node worker-1 -C member2 --show-events=false`)
)

// DescribeOptions describe objects across clusters.
type DescribeOptions struct {
	genericiooptions.IOStreams

	// Clusters narrows the clusters; every Ready one if empty.
	Clusters []string
	// Settings are kubectl's describer settings.
	Settings kubectldescribe.DescriberSettings
	// Describer returns kubectl's describer for a mapping in one member;
	// kubectl's DescriberFn by default.
	Describer kubectldescribe.DescriberFunc

	// Filled by Complete.
	Args     []string
	CacheDir string
	Base     cmdutil.Factory
	Global   cmdutil.Factory
}

// NewDescribeOptions returns options with kubectl's defaults.
func NewDescribeOptions(streams genericiooptions.IOStreams) *DescribeOptions {
	return &DescribeOptions{
		IOStreams: streams,
		Settings:  kubectldescribe.DescriberSettings{ShowEvents: true, ChunkSize: cmdutil.DefaultChunkSize},
		Describer: kubectldescribe.DescriberFn,
	}
}

// NewCmdDescribe returns the describe command.
func NewCmdDescribe(f cmdutil.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewDescribeOptions(streams)
	global := clusterclient.NewFactory(clusterclient.GlobalProxy(f, clusterclient.Options{}))
	cmd := &cobra.Command{
		Use:                   "describe (TYPE NAME... | TYPE/NAME...) [-C CLUSTER,...]",
		DisableFlagsInUseLine: true,
		Short:                 "Show details of an object in each member cluster",
		Long:                  describeLong,
		Example:               describeExample,
		ValidArgsFunction:     completion.ResourceTypeAndNameCompletionFunc(global),
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
	flags.StringSliceVarP(&o.Clusters, "clusters", "C", o.Clusters, "Comma-separated member clusters to look in; every Ready cluster if empty.")
	flags.BoolVar(&o.Settings.ShowEvents, "show-events", o.Settings.ShowEvents, "Show the events of the object, from its cluster.")
	cmdutil.AddChunkSizeFlag(cmd, &o.Settings.ChunkSize)
	cmdutil.CheckErr(cmd.RegisterFlagCompletionFunc("clusters", clusterclient.CompleteClusterList(f)))
	return cmd
}

// Complete takes the arguments and builds the factory over the global proxy,
// whose discovery resolves TYPE. Nothing here contacts the control plane.
func (o *DescribeOptions) Complete(f cmdutil.Factory, cmd *cobra.Command, args []string) error {
	o.Args, o.Base = args, f
	o.CacheDir = clusterclient.CacheDir(cmd.Flags())
	o.Global = clusterclient.NewFactory(clusterclient.GlobalProxy(f, clusterclient.Options{CacheDir: o.CacheDir}))
	return nil
}

// Validate checks the arguments: objects by name only.
func (o *DescribeOptions) Validate() error {
	switch {
	case len(o.Args) == 0:
		return errors.New("you must specify the TYPE and NAME of the object to describe, e.g. pod web-0")
	case len(o.Args) == 1 && !strings.Contains(o.Args[0], "/"):
		return fmt.Errorf("you must specify the NAME of the %s to describe", o.Args[0])
	}
	for _, c := range o.Clusters {
		if c == "" {
			return errors.New("-C has an empty cluster name")
		}
	}
	return nil
}

// described is what one cluster said about one object.
type described struct {
	out string
	err error
}

// Run describes each object in each cluster, in parallel, and prints the
// clusters that hold it in name order.
func (o *DescribeOptions) Run(ctx context.Context) error {
	clusters, err := clusterclient.SelectFor(ctx, o.Base, o.Clusters)
	if err != nil {
		return err
	}
	namespace, _, err := o.Base.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return err
	}
	// The mapping comes from the global proxy's discovery: a type that no
	// cluster serves is an error here, a type that some lack is NotFound there.
	infos, err := o.Global.NewBuilder().
		Unstructured().
		NamespaceParam(namespace).DefaultNamespace().
		ResourceTypeOrNameArgs(true, o.Args...).
		RequireObject(false).
		Do().Infos()
	if err != nil {
		return err
	}

	results := make([][]described, len(infos))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(clusterclient.FanOut)
	for i, info := range infos {
		results[i] = make([]described, len(clusters))
		for j, cluster := range clusters {
			g.Go(func() error {
				results[i][j] = o.describe(ctx, cluster, info)
				return nil
			})
		}
	}
	_ = g.Wait()

	var failed []string
	var errs []error
	printed, warned := false, map[string]bool{}
	for i, info := range infos {
		found, failedHere := false, []string(nil)
		for j, cluster := range clusters {
			r := results[i][j]
			switch {
			case r.err == nil:
				if printed {
					fmt.Fprintln(o.Out)
				}
				header := "Cluster: " + cluster
				fmt.Fprintf(o.Out, "%s\n%s\n%s", header, strings.Repeat("=", len(header)), r.out)
				if !strings.HasSuffix(r.out, "\n") {
					fmt.Fprintln(o.Out)
				}
				printed, found = true, true
			case apierrors.IsNotFound(r.err):
			default:
				if msg := fmt.Sprintf("Warning: cluster %s: %v\n", cluster, r.err); !warned[msg] {
					warned[msg] = true
					fmt.Fprint(o.ErrOut, msg)
				}
				failed, failedHere = append(failed, cluster), append(failedHere, cluster)
			}
		}
		if !found {
			errs = append(errs, notFound(info, clusters, o.Clusters, failedHere))
		}
	}
	if err := utilerrors.NewAggregate(errs); err != nil {
		return err
	}
	return clusterclient.Incomplete(failed)
}

// describe runs kubectl's describer for info in one cluster.
func (o *DescribeOptions) describe(ctx context.Context, cluster string, info *resource.Info) described {
	if err := ctx.Err(); err != nil {
		return described{err: err}
	}
	member := clusterclient.Member(o.Base, cluster, clusterclient.Options{CacheDir: o.CacheDir})
	d, err := o.Describer(member, info.Mapping)
	if err != nil {
		return described{err: err}
	}
	out, err := d.Describe(info.Namespace, info.Name, o.Settings)
	return described{out: out, err: err}
}

// notFound says that the object is in none of the clusters asked, and names
// the clusters that failed to answer.
func notFound(info *resource.Info, clusters, requested, failed []string) error {
	where := "in any cluster"
	if len(requested) > 0 {
		where = "in cluster " + strings.Join(clusters, ", ")
		if len(clusters) > 1 {
			where = "in clusters " + strings.Join(clusters, ", ")
		}
	}
	resource := info.Mapping.Resource.GroupResource().String()
	msg := fmt.Sprintf("%s %q not found %s", resource, info.Name, where)
	if err := clusterclient.Incomplete(failed); err != nil {
		msg += "; " + err.Error()
	}
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status:  metav1.StatusFailure,
		Code:    http.StatusNotFound,
		Reason:  metav1.StatusReasonNotFound,
		Details: &metav1.StatusDetails{Name: info.Name, Kind: resource},
		Message: msg,
	}}
}
