package propagate

import (
	"context"
	"github.com/fleetplane/fleetplane/internal/golden"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/restmapper"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crfake "sigs.k8s.io/controller-runtime/pkg/client/fake"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/federate/propagationpolicy"
)

func TestValidate(t *testing.T) {
	valid := func() *PropagateOptions {
		o := NewPropagateOptions(genericiooptions.IOStreams{})
		o.Args, o.Clusters = []string{"deployment/web"}, []string{"member1", "member2"}
		return o
	}
	tests := []struct {
		name    string
		change  func(*PropagateOptions)
		wantErr string
	}{
		{name: "valid"},
		{name: "every cluster", change: func(o *PropagateOptions) { o.Clusters, o.AllClusters = nil, true }},
		{name: "divided with weights", change: func(o *PropagateOptions) {
			o.Divided, o.Weights = true, []string{"member1=1", "member2=2"}
		}},
		{name: "weights over every cluster", change: func(o *PropagateOptions) {
			o.Clusters, o.AllClusters, o.Divided, o.Weights = nil, true, true, []string{"member1=3"}
		}},
		{name: "several with a policy name", change: func(o *PropagateOptions) {
			o.Args, o.PolicyName = []string{"deployment/web", "configmap/web"}, "web"
		}},
		{name: "no clusters", change: func(o *PropagateOptions) { o.Clusters = nil },
			wantErr: "choose the clusters with -C CLUSTER,... or --all-clusters"},
		{name: "clusters and every cluster", change: func(o *PropagateOptions) { o.AllClusters = true },
			wantErr: "-C and --all-clusters exclude each other"},
		{name: "divided and duplicated", change: func(o *PropagateOptions) { o.Divided, o.Duplicated = true, true },
			wantErr: "--divided and --duplicated exclude each other"},
		{name: "several without a policy name", change: func(o *PropagateOptions) { o.Args = []string{"deployment/web", "configmap/web"} },
			wantErr: "--policy-name is required when propagating several resources"},
		{name: "not TYPE/NAME", change: func(o *PropagateOptions) { o.Args = []string{"web"} },
			wantErr: `"web" is not TYPE/NAME, e.g. deployment/web`},
		{name: "bad policy name", change: func(o *PropagateOptions) { o.PolicyName = "Web_Policy" },
			wantErr: `invalid policy name "Web_Policy": a lowercase RFC 1123 subdomain`},
		{name: "bad cluster name", change: func(o *PropagateOptions) { o.Clusters = []string{"Member1"} },
			wantErr: `invalid cluster name "Member1": a lowercase RFC 1123 label`},
		{name: "empty cluster name", change: func(o *PropagateOptions) { o.Clusters = []string{"member1", ""} },
			wantErr: "-C has an empty cluster name"},
		{name: "weights without divided", change: func(o *PropagateOptions) { o.Weights = []string{"member1=1", "member2=1"} },
			wantErr: "--weights needs --divided"},
		{name: "weight not a number", change: func(o *PropagateOptions) { o.Divided, o.Weights = true, []string{"member1=x"} },
			wantErr: `invalid --weights entry "member1=x": the weight must be a positive integer`},
		{name: "zero weight", change: func(o *PropagateOptions) { o.Divided, o.Weights = true, []string{"member1=0"} },
			wantErr: `invalid --weights entry "member1=0": the weight must be a positive integer`},
		{name: "weight without cluster", change: func(o *PropagateOptions) { o.Divided, o.Weights = true, []string{"=2"} },
			wantErr: `invalid --weights entry "=2": want CLUSTER=WEIGHT`},
		{name: "weight twice", change: func(o *PropagateOptions) { o.Divided, o.Weights = true, []string{"member1=1", "member1=2"} },
			wantErr: `--weights names cluster "member1" twice`},
		{name: "weight for another cluster", change: func(o *PropagateOptions) {
			o.Divided, o.Weights = true, []string{"member1=1", "member2=1", "member3=1"}
		}, wantErr: `--weights names cluster "member3", which is not in -C`},
		{name: "weight missing for a cluster", change: func(o *PropagateOptions) { o.Divided, o.Weights = true, []string{"member1=1"} },
			wantErr: `--weights has no weight for cluster "member2"; give one for each cluster of -C`},
		{name: "unknown output", change: func(o *PropagateOptions) { *o.PrintFlags.OutputFormat = "wide" },
			wantErr: `unable to match a printer suitable for the output format "wide"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := valid()
			if tt.change != nil {
				tt.change(o)
			}
			err := o.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() error = %v", err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Fatalf("Validate() error = %v, want prefix %q", err, tt.wantErr)
			}
		})
	}
}

func testMapper() *restmapper.APIGroupResources {
	return &restmapper.APIGroupResources{
		Group: metav1.APIGroup{Name: "apps", Versions: []metav1.GroupVersionForDiscovery{{GroupVersion: "apps/v1", Version: "v1"}},
			PreferredVersion: metav1.GroupVersionForDiscovery{GroupVersion: "apps/v1", Version: "v1"}},
		VersionedResources: map[string][]metav1.APIResource{"v1": {
			{Name: "deployments", SingularName: "deployment", Namespaced: true, Kind: "Deployment"},
		}},
	}
}

func TestRun(t *testing.T) {
	web := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web"}, Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](9)}}
	member1 := &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "member1"}}
	member2 := &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "member2"}}
	duplicatedToMember1 := &policyv1alpha1.PropagationPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web-deployment"},
		Spec: policyv1alpha1.PropagationSpec{
			ResourceSelectors: []policyv1alpha1.ResourceSelector{{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"}},
			Placement: policyv1alpha1.Placement{
				ClusterAffinity:   &policyv1alpha1.ClusterAffinity{ClusterNames: []string{"member1"}},
				ReplicaScheduling: &policyv1alpha1.ReplicaSchedulingStrategy{ReplicaSchedulingType: policyv1alpha1.ReplicaSchedulingTypeDuplicated},
			},
		},
	}
	tests := []struct {
		name       string
		args       []string
		clusters   []string
		duplicated bool
		weights    []string
		output     string
		dryRun     cmdutil.DryRunStrategy
		existing   []client.Object
		wantOut    string
		golden     string
		wantErrOut string
		wantStored bool
	}{
		{name: "create", args: []string{"deployment/web"}, clusters: []string{"member1", "member2"}, weights: []string{"member1=1", "member2=2"},
			existing: []client.Object{web, member1, member2}, wantStored: true,
			wantOut: "propagationpolicy.policy.karmada.io/web-deployment created\n"},
		{name: "update", args: []string{"deployment/web"}, clusters: []string{"member1", "member2"}, weights: []string{"member1=1", "member2=2"},
			existing: []client.Object{web, member1, member2, duplicatedToMember1}, wantStored: true,
			wantOut: "propagationpolicy.policy.karmada.io/web-deployment configured\n"},
		{name: "unchanged", args: []string{"deployment/web"}, clusters: []string{"member1"}, duplicated: true,
			existing: []client.Object{web, member1, duplicatedToMember1}, wantStored: true,
			wantOut: "propagationpolicy.policy.karmada.io/web-deployment unchanged\n"},
		{name: "client dry run as yaml", args: []string{"deployment/web"}, clusters: []string{"member1", "member2"}, weights: []string{"member1=1", "member2=2"},
			output: "yaml", dryRun: cmdutil.DryRunClient, golden: "dry-run.yaml"},
		{name: "client dry run by name", args: []string{"deployment/web"}, clusters: []string{"member1"}, dryRun: cmdutil.DryRunClient,
			wantOut: "propagationpolicy.policy.karmada.io/web-deployment created (dry run)\n"},
		{name: "server dry run", args: []string{"deployment/web"}, clusters: []string{"member1"}, dryRun: cmdutil.DryRunServer,
			existing: []client.Object{web, member1},
			wantOut:  "propagationpolicy.policy.karmada.io/web-deployment created (server dry run)\n"},
		{name: "missing resource and cluster are warnings", args: []string{"deployment/web"}, clusters: []string{"member9"},
			existing: []client.Object{member1}, wantStored: true,
			wantOut: "propagationpolicy.policy.karmada.io/web-deployment created\n",
			wantErrOut: "Warning: deployment shop/web does not exist on the control plane; the policy will select it once it does\n" +
				"Warning: cluster \"member9\" is not registered with the control plane\n"},
		{name: "json", args: []string{"deployment/web"}, clusters: []string{"member1"}, output: "json",
			existing: []client.Object{web, member1}, wantStored: true, golden: "created.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := propagationpolicy.NewScheme()
			if err != nil {
				t.Fatal(err)
			}
			c := crfake.NewClientBuilder().WithScheme(s).WithObjects(tt.existing...).Build()
			streams, _, out, errOut := genericiooptions.NewTestIOStreams()
			o := NewPropagateOptions(streams)
			o.Args, o.Clusters, o.Duplicated, o.Weights = tt.args, tt.clusters, tt.duplicated, tt.weights
			o.Divided = len(tt.weights) > 0
			*o.PrintFlags.OutputFormat = tt.output
			o.Namespace, o.DryRun, o.Client = "shop", tt.dryRun, c
			o.Mapper = restmapper.NewDiscoveryRESTMapper([]*restmapper.APIGroupResources{testMapper()})
			if err := o.Validate(); err != nil {
				t.Fatal(err)
			}
			if err := o.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			if tt.golden != "" {
				golden.Assert(t, tt.golden, out.Bytes())
			} else if diff := cmp.Diff(tt.wantOut, out.String()); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantErrOut, errOut.String()); diff != "" {
				t.Errorf("error output (-want +got):\n%s", diff)
			}
			var stored policyv1alpha1.PropagationPolicy
			err = c.Get(context.Background(), client.ObjectKey{Namespace: "shop", Name: "web-deployment"}, &stored)
			if tt.wantStored != (err == nil) {
				t.Fatalf("stored policy: %v, want stored %v", err, tt.wantStored)
			}
			if tt.wantStored {
				placement, err := o.placement()
				if err != nil {
					t.Fatal(err)
				}
				want := propagationpolicy.New("web-deployment", "shop", []propagationpolicy.Ref{{
					GVK: appsv1.SchemeGroupVersion.WithKind("Deployment"), Namespace: "shop", Name: "web",
				}}, policyv1alpha1.PropagationSpec{Placement: placement.Build()})
				if diff := cmp.Diff(*want.Spec, stored.Spec); diff != "" {
					t.Errorf("stored spec (-want +got):\n%s", diff)
				}
			}
		})
	}
}
