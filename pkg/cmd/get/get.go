package get

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	kubectlget "k8s.io/kubectl/pkg/cmd/get"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	"k8s.io/kubectl/pkg/util/completion"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/fleetplane/fleetplane/pkg/clusterclient"
)

var (
	getLong = templates.LongDesc(`
		Display one or many resources of the member clusters, through the control
		plane's global proxy.

		This is kubectl get, with its output formats, selectors and watch. The table
		has a CLUSTER column, and rows are sorted by cluster, namespace and name. A
		NAME that exists in several clusters is shown once for each of them; each
		NAME is looked up on its own. -C narrows the clusters; --search answers from
		the search cache and keeps the objects whose name fuzzily matches the query.

		A cluster that fails is left out and named in a warning; the objects of the
		others are printed and the command exits non-zero.`)

	getExample = templates.Examples(`
		# List the pods of the current namespace in every Ready cluster
		kubectl karmada get pods

		# List the deployments of every namespace in member1 and member2, with more columns
		kubectl karmada get deployments -A -C member1,member2 -o wide

		# Show every copy of the pod web-0 as YAML
		kubectl karmada get pod web-0 -o yaml

		# Watch the pods labelled app=web
		kubectl karmada get pods -l app=web -w

		# Search the cache for pods of any namespace whose name fuzzily matches "chkout"
		kubectl karmada get pods -A --search chkout`)
)

// GetOptions run kubectl's get across clusters.
type GetOptions struct {
	genericiooptions.IOStreams

	// Get is kubectl's get, run once for each NAME (or once without NAMEs).
	Get *kubectlget.GetOptions
	// Clusters narrows the clusters; all Ready ones if empty.
	Clusters []string
	// Search answers from the search cache, keeping the names that fuzzily match it.
	Search string

	// Filled by Complete.
	Args    []string
	Runs    []Run
	Factory cmdutil.Factory
	Base    cmdutil.Factory

	warnings *clusterclient.WarningRecorder
}

// Run is one run of kubectl's get: the arguments, and the NAME it looks for
// with a field selector.
type Run struct {
	Args []string
	Name string
}

// NewGetOptions returns options with kubectl's defaults.
func NewGetOptions(streams genericiooptions.IOStreams) *GetOptions {
	return &GetOptions{IOStreams: streams, Get: kubectlget.NewGetOptions("kubectl karmada", streams)}
}

// NewCmdGet returns the get command.
func NewCmdGet(f cmdutil.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewGetOptions(streams)
	cmd := &cobra.Command{
		Use:                   "get [(-o|--output=)" + strings.Join(o.Get.PrintFlags.AllowedFormats(), "|") + "] TYPE[.VERSION][.GROUP] [NAME ...] [flags]",
		DisableFlagsInUseLine: true,
		Short:                 "Display resources of the member clusters",
		Long:                  getLong,
		Example:               getExample,
		ValidArgsFunction:     completion.ResourceTypeAndNameCompletionFunc(clusterclient.NewFactory(clusterclient.GlobalProxy(f, clusterclient.Options{}))),
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
	g := o.Get
	g.PrintFlags.AddFlags(cmd)
	flags := cmd.Flags()
	flags.StringVar(&g.Raw, "raw", g.Raw, "Raw URI to request from the global proxy, e.g. /api/v1/namespaces/default/pods.")
	flags.BoolVarP(&g.Watch, "watch", "w", g.Watch, "After listing the requested objects, watch for changes.")
	flags.BoolVar(&g.WatchOnly, "watch-only", g.WatchOnly, "Watch for changes to the requested objects, without listing them first.")
	flags.BoolVar(&g.OutputWatchEvents, "output-watch-events", g.OutputWatchEvents, "Output watch event objects when --watch or --watch-only is used.")
	flags.BoolVar(&g.IgnoreNotFound, "ignore-not-found", g.IgnoreNotFound, "Do not fail when a NAME exists in no cluster.")
	flags.StringVar(&g.FieldSelector, "field-selector", g.FieldSelector, "Selector (field query) to filter on, supports '=', '==', and '!='.")
	flags.BoolVarP(&g.AllNamespaces, "all-namespaces", "A", g.AllNamespaces, "List the requested objects across all namespaces.")
	cmdutil.AddChunkSizeFlag(cmd, &g.ChunkSize)
	cmdutil.AddLabelSelectorFlagVar(cmd, &g.LabelSelector)
	flags.StringSliceVarP(&o.Clusters, "clusters", "C", o.Clusters, "Comma-separated member clusters to read from; every Ready cluster if empty.")
	flags.StringVar(&o.Search, "search", o.Search, "Answer from the search cache, keeping the objects whose name fuzzily matches this query.")
	cmdutil.CheckErr(cmd.RegisterFlagCompletionFunc("clusters", clusterclient.CompleteClusterList(f)))
	return cmd
}

// Complete builds the factory over the global proxy (or the search) and splits
// the arguments into runs. Nothing here contacts the control plane.
func (o *GetOptions) Complete(f cmdutil.Factory, cmd *cobra.Command, args []string) error {
	o.Args, o.Base = args, f
	if len(args) == 0 && o.Get.Raw == "" {
		return cmdutil.UsageErrorf(cmd, "you must specify the type of resource to get; %s", cmdutil.SuggestAPIResources("kubectl karmada"))
	}
	var err error
	if o.Runs, err = SplitArgs(args); err != nil {
		return cmdutil.UsageErrorf(cmd, "%s", err)
	}
	o.warnings = clusterclient.NewWarningRecorder(o.ErrOut)
	opts := clusterclient.Options{Query: url.Values{}, Warnings: o.warnings, CacheDir: clusterclient.CacheDir(cmd.Flags())}
	if len(o.Clusters) > 0 {
		opts.Query.Set(clusterclient.ClustersParam, strings.Join(o.Clusters, ","))
	}
	getter := clusterclient.GlobalProxy(f, opts)
	if o.Search != "" {
		opts.Query.Set(clusterclient.SearchParam, o.Search)
		getter = clusterclient.Search(f, opts)
	}
	o.Factory = clusterclient.NewFactory(getter)
	return o.Get.Complete(o.Factory, cmd, args)
}

// SplitArgs turns `TYPE NAME...` and `TYPE/NAME...` into one run for each NAME,
// and `TYPE[,TYPE...]` into one run. A NAME becomes a field selector: a get by
// name fails when the name exists in several clusters.
func SplitArgs(args []string) ([]Run, error) {
	if len(args) == 0 {
		return []Run{{}}, nil
	}
	if !strings.Contains(args[0], "/") {
		if len(args) == 1 {
			return []Run{{Args: args}}, nil
		}
		runs := make([]Run, 0, len(args)-1)
		for _, name := range args[1:] {
			if strings.Contains(name, "/") {
				return nil, fmt.Errorf("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl karmada get resource/<resource_name>' instead of 'kubectl karmada get resource resource/<resource_name>')")
			}
			runs = append(runs, Run{Args: args[:1], Name: name})
		}
		return runs, nil
	}
	runs := make([]Run, 0, len(args))
	for _, arg := range args {
		typ, name, ok := strings.Cut(arg, "/")
		if !ok || typ == "" || name == "" {
			return nil, fmt.Errorf("arguments in resource/name form must have a single resource and name; %q is not", arg)
		}
		runs = append(runs, Run{Args: []string{typ}, Name: name})
	}
	return runs, nil
}

// Validate checks the flags.
func (o *GetOptions) Validate() error {
	for _, c := range o.Clusters {
		if c == "" {
			return errors.New("-C has an empty cluster name")
		}
	}
	if (o.Get.Watch || o.Get.WatchOnly) && len(o.Runs) > 1 {
		return errors.New("watching several NAMEs is not supported; watch one NAME, or select with -l")
	}
	if (o.Get.Watch || o.Get.WatchOnly) && o.Search != "" {
		return errors.New("--search answers from the search cache, which cannot watch; drop --search to watch, or -w to search")
	}
	if o.Get.Raw != "" && o.Search != "" {
		return errors.New("--raw and --search exclude each other")
	}
	return o.Get.Validate()
}

// Run checks the clusters of -C, then runs kubectl's get once for each run. It
// fails when a NAME exists in no cluster, and, after printing everything, when
// a cluster failed.
func (o *GetOptions) Run(ctx context.Context) error {
	if err := clusterclient.CheckNamesFor(ctx, o.Base, o.Clusters); err != nil {
		return err
	}
	if o.Get.Raw != "" {
		if err := o.Get.Run(o.Factory, nil); err != nil {
			return err
		}
		return o.warnings.Err()
	}
	out := &countingWriter{w: o.Out}
	var errs []error
	for _, run := range o.Runs {
		if err := o.run(run, out); err != nil {
			// A failure of the request itself (403, unknown type) ends the command.
			if !apierrors.IsNotFound(err) {
				return err
			}
			errs = append(errs, err)
		}
	}
	if err := utilerrors.NewAggregate(errs); err != nil {
		return err
	}
	return o.warnings.Err()
}

// run runs kubectl's get once. A run for a NAME that prints nothing is a
// NotFound error, unless --ignore-not-found.
func (o *GetOptions) run(run Run, out *countingWriter) error {
	get := *o.Get
	w := &prefixWriter{w: out}
	if out.n > 0 {
		w.prefix = o.separator()
	}
	get.Out = w
	if run.Name != "" {
		get.FieldSelector = fields.OneTermEqualSelector("metadata.name", run.Name).String()
		if user := strings.TrimSpace(o.Get.FieldSelector); user != "" {
			get.FieldSelector = user + "," + get.FieldSelector
		}
		get.IgnoreNotFound = true
	}
	if err := get.Run(o.Factory, run.Args); err != nil {
		return err
	}
	if run.Name == "" || w.n > 0 || o.Get.IgnoreNotFound || o.Get.Watch || o.Get.WatchOnly {
		return nil
	}
	return o.notFound(run.Args[0], run.Name)
}

// separator goes between the outputs of two runs.
func (o *GetOptions) separator() string {
	switch format := *o.Get.PrintFlags.OutputFormat; {
	case format == "yaml":
		return "---\n"
	case format == "" || format == "wide" || strings.HasPrefix(format, "custom-columns"):
		return "\n"
	default:
		return ""
	}
}

// notFound says that the NAME of type typ is in none of the clusters asked.
func (o *GetOptions) notFound(typ, name string) error {
	resource := typ
	if mapper, err := o.Factory.ToRESTMapper(); err == nil {
		if gvr, err := mapper.ResourceFor(schema.ParseGroupResource(typ).WithVersion("")); err == nil {
			resource = gvr.GroupResource().String()
		}
	}
	where := "in any cluster"
	switch len(o.Clusters) {
	case 0:
	case 1:
		where = "in cluster " + o.Clusters[0]
	default:
		where = "in clusters " + strings.Join(o.Clusters, ", ")
	}
	msg := fmt.Sprintf("%s %q not found %s", resource, name, where)
	if err := o.warnings.Err(); err != nil {
		msg += "; " + err.Error()
	}
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status:  metav1.StatusFailure,
		Code:    http.StatusNotFound,
		Reason:  metav1.StatusReasonNotFound,
		Details: &metav1.StatusDetails{Name: name, Kind: resource},
		Message: msg,
	}}
}

// countingWriter counts what goes through it.
type countingWriter struct {
	w io.Writer
	n int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += n
	return n, err
}

// prefixWriter writes prefix before the first bytes, if any, and counts them.
type prefixWriter struct {
	w      io.Writer
	prefix string
	n      int
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	if len(b) > 0 && p.n == 0 && p.prefix != "" {
		if _, err := io.WriteString(p.w, p.prefix); err != nil {
			return 0, err
		}
	}
	n, err := p.w.Write(b)
	p.n += n
	return n, err
}
