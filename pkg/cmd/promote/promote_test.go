package promote

import (
	"context"
	"github.com/fleetplane/fleetplane/internal/golden"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/restmapper"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crfake "sigs.k8s.io/controller-runtime/pkg/client/fake"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/federate/promotion"
	"github.com/fleetplane/fleetplane/pkg/federate/propagationpolicy"
)

func TestValidate(t *testing.T) {
	valid := func() *PromoteOptions {
		o := NewPromoteOptions(genericiooptions.IOStreams{})
		o.Arg, o.Cluster = "deployment/web", "member3"
		return o
	}
	tests := []struct {
		name    string
		change  func(*PromoteOptions)
		wantErr string
	}{
		{name: "valid"},
		{name: "client dry run", change: func(o *PromoteOptions) { o.DryRun = cmdutil.DryRunClient }},
		{name: "no cluster", change: func(o *PromoteOptions) { o.Cluster = "" },
			wantErr: "-C (--from-cluster) is required: the member cluster the object runs in"},
		{name: "bad cluster", change: func(o *PromoteOptions) { o.Cluster = "Member3" },
			wantErr: `invalid cluster name "Member3": a lowercase RFC 1123 label`},
		{name: "not TYPE/NAME", change: func(o *PromoteOptions) { o.Arg = "web" },
			wantErr: `"web" is not TYPE/NAME, e.g. deployment/web`},
		{name: "bad policy name", change: func(o *PromoteOptions) { o.PolicyName = "-web" },
			wantErr: `invalid policy name "-web"`},
		{name: "server dry run", change: func(o *PromoteOptions) { o.DryRun = cmdutil.DryRunServer },
			wantErr: "--dry-run=server is not supported"},
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

// groupResources serve ConfigMaps, and Deployments when withDeployments is true.
func groupResources(withDeployments bool) []*restmapper.APIGroupResources {
	core := &restmapper.APIGroupResources{
		Group: metav1.APIGroup{Versions: []metav1.GroupVersionForDiscovery{{GroupVersion: "v1", Version: "v1"}},
			PreferredVersion: metav1.GroupVersionForDiscovery{GroupVersion: "v1", Version: "v1"}},
		VersionedResources: map[string][]metav1.APIResource{"v1": {
			{Name: "configmaps", SingularName: "configmap", Namespaced: true, Kind: "ConfigMap"},
		}},
	}
	out := []*restmapper.APIGroupResources{core}
	if withDeployments {
		out = append(out, &restmapper.APIGroupResources{
			Group: metav1.APIGroup{Name: "apps", Versions: []metav1.GroupVersionForDiscovery{{GroupVersion: "apps/v1", Version: "v1"}},
				PreferredVersion: metav1.GroupVersionForDiscovery{GroupVersion: "apps/v1", Version: "v1"}},
			VersionedResources: map[string][]metav1.APIResource{"v1": {
				{Name: "deployments", SingularName: "deployment", Namespaced: true, Kind: "Deployment"},
			}},
		})
	}
	return out
}

func memberObjects() []client.Object {
	return []client.Object{
		&appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web", UID: "member-uid", ResourceVersion: "12", Generation: 2,
				Labels: map[string]string{"app": "web"}, Annotations: map[string]string{"deployment.kubernetes.io/revision": "1"}},
			Spec: appsv1.DeploymentSpec{
				Replicas: ptr.To[int32](2),
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
					Spec: corev1.PodSpec{Containers: []corev1.Container{{
						Name: "app", Image: "web:1",
						EnvFrom: []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{
							LocalObjectReference: corev1.LocalObjectReference{Name: "web-config"}}}},
					}}},
				},
			},
			Status: appsv1.DeploymentStatus{Replicas: 2, ReadyReplicas: 2},
		},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web-config", UID: "cm-uid", ResourceVersion: "3"},
			Data: map[string]string{"COLOR": "blue"}},
	}
}

func TestRun(t *testing.T) {
	cluster := &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "member3"}}
	shop := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}
	tests := []struct {
		name         string
		arg          string
		dependencies bool
		policyName   string
		output       string
		dryRun       cmdutil.DryRunStrategy
		cp           []client.Object
		cpServesApps *bool
		cluster      string
		wantOut      string
		golden       string
		wantErrOut   string
		wantErr      string
		wantCreated  bool
	}{
		{name: "promote into a new namespace", arg: "deployment/web", wantCreated: true,
			wantOut: "namespace/shop created\n" +
				"propagationpolicy.policy.karmada.io/web-deployment created\n" +
				"deployment.apps/web promoted from member3\n"},
		{name: "with dependencies", arg: "deployment/web", dependencies: true, cp: []client.Object{shop}, wantCreated: true,
			wantOut: "propagationpolicy.policy.karmada.io/web-deployment created\n" +
				"configmap/web-config promoted from member3\n" +
				"deployment.apps/web promoted from member3\n"},
		{name: "already promoted", arg: "deployment/web",
			cp:      []client.Object{shop, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web"}}},
			wantOut: "deployment shop/web already exists on the control plane; nothing to promote\n"},
		{name: "client dry run prints what it would create", arg: "deployment/web", dependencies: true, output: "yaml",
			dryRun: cmdutil.DryRunClient, golden: "dry-run.yaml"},
		{name: "client dry run by name", arg: "deployment/web", cp: []client.Object{shop}, dryRun: cmdutil.DryRunClient,
			wantOut: "propagationpolicy.policy.karmada.io/web-deployment created (dry run)\n" +
				"deployment.apps/web promoted from member3 (dry run)\n"},
		{name: "policy name taken", arg: "deployment/web", policyName: "taken",
			cp: []client.Object{shop, &policyv1alpha1.PropagationPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "taken"},
				Spec: policyv1alpha1.PropagationSpec{ResourceSelectors: []policyv1alpha1.ResourceSelector{{APIVersion: "v1", Kind: "ConfigMap"}}}}},
			wantErr: "propagationpolicy shop/taken already exists and selects or places other resources; choose another name with --policy-name"},
		{name: "not in the member", arg: "deployment/api", wantErr: "deployment shop/api not found in cluster member3"},
		{name: "unknown type in the member", arg: "widget/web", wantErr: `cluster member3: the server doesn't have a resource type "widget"`},
		{name: "unknown cluster", arg: "deployment/web", cluster: "member9", wantErr: `cluster "member9" not found`},
		{name: "kind the control plane lacks", arg: "deployment/web", cpServesApps: ptr.To(false),
			wantErr: "the control plane does not serve apps/v1 Deployment; install it there before promoting"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := propagationpolicy.NewScheme()
			if err != nil {
				t.Fatal(err)
			}
			cp := crfake.NewClientBuilder().WithScheme(s).WithObjects(append(tt.cp, cluster)...).Build()
			member := crfake.NewClientBuilder().WithScheme(s).WithObjects(memberObjects()...).Build()
			streams, _, out, errOut := genericiooptions.NewTestIOStreams()
			o := NewPromoteOptions(streams)
			o.Arg, o.Cluster, o.Dependencies, o.PolicyName = tt.arg, "member3", tt.dependencies, tt.policyName
			*o.PrintFlags.OutputFormat = tt.output
			o.Namespace, o.DryRun = "shop", tt.dryRun
			o.MemberMapper = restmapper.NewDiscoveryRESTMapper(groupResources(true))
			o.ControlPlaneMapper = restmapper.NewDiscoveryRESTMapper(groupResources(ptr.Deref(tt.cpServesApps, true)))
			o.Promoter = &promotion.Promoter{ControlPlane: cp, Member: member, Cluster: "member3"}
			if tt.cluster != "" {
				o.Cluster, o.Promoter.Cluster = tt.cluster, tt.cluster
			}
			if err := o.Validate(); err != nil {
				t.Fatal(err)
			}
			err = o.Run(context.Background())
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Run() error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
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
			var pp policyv1alpha1.PropagationPolicy
			err = cp.Get(context.Background(), client.ObjectKey{Namespace: "shop", Name: "web-deployment"}, &pp)
			if tt.wantCreated != (err == nil) {
				t.Errorf("policy on the control plane: %v, want created %v", err, tt.wantCreated)
			}
			if !tt.wantCreated && !apierrors.IsNotFound(err) {
				t.Errorf("reading the policy: %v", err)
			}
		})
	}
}
