package promotion

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crfake "sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/federate/propagationpolicy"
)

var (
	deploymentGVK = schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}
	webRef        = propagationpolicy.Ref{GVK: deploymentGVK, Namespace: "shop", Name: "web"}
)

// memberWeb is a Deployment running in the member, referencing a ConfigMap, a
// Secret, a ServiceAccount and a ConfigMap that does not exist.
func memberWeb() *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web", UID: "member-uid", ResourceVersion: "7",
			Labels: map[string]string{"app": "web"}},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](2),
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
				ServiceAccountName: "web",
				Containers: []corev1.Container{{
					Name: "app", Image: "web:1",
					EnvFrom: []corev1.EnvFromSource{
						{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "web-config"}}},
						{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "missing"}}},
					},
					Env: []corev1.EnvVar{{Name: "PASSWORD", ValueFrom: &corev1.EnvVarSource{
						SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "web-secret"}, Key: "pw"},
					}}},
				}},
			}},
		},
		Status: appsv1.DeploymentStatus{ReadyReplicas: 2},
	}
}

func memberObjects() []client.Object {
	return []client.Object{
		memberWeb(),
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web-config", UID: "cm-uid"}, Data: map[string]string{"a": "b"}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web-secret"}, Data: map[string][]byte{"pw": []byte("x")}},
	}
}

type fixture struct {
	cp       client.Client
	promoter *Promoter
}

// newFixture returns a promoter for cluster member3 over fake clients: the control
// plane holds the Cluster and cpObjects, the member holds memberObjects().
func newFixture(t *testing.T, funcs *interceptor.Funcs, cpObjects ...client.Object) fixture {
	t.Helper()
	s, err := propagationpolicy.NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	cpObjects = append(cpObjects, &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "member3"}})
	b := crfake.NewClientBuilder().WithScheme(s).WithObjects(cpObjects...)
	if funcs != nil {
		b = b.WithInterceptorFuncs(*funcs)
	}
	cp := b.Build()
	member := crfake.NewClientBuilder().WithScheme(s).WithObjects(memberObjects()...).Build()
	return fixture{cp: cp, promoter: &Promoter{ControlPlane: cp, Member: member, Cluster: "member3"}}
}

func names(objs []*unstructured.Unstructured) []string {
	var out []string
	for _, o := range objs {
		out = append(out, Describe(o))
	}
	return out
}

func TestPlan(t *testing.T) {
	shop := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}
	promotedPolicy := func(selectors ...string) *policyv1alpha1.PropagationPolicy {
		p := &policyv1alpha1.PropagationPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web-deployment"}, Spec: PolicySpec("member3")}
		for _, name := range selectors {
			p.Spec.ResourceSelectors = append(p.Spec.ResourceSelectors, policyv1alpha1.ResourceSelector{APIVersion: "apps/v1", Kind: "Deployment", Name: name})
		}
		// Defaults the API server fills in do not make it different.
		p.Spec.Priority, p.Spec.Preemption = ptr.To[int32](0), policyv1alpha1.PreemptNever
		return p
	}
	tests := []struct {
		name        string
		req         Request
		cp          []client.Object
		cluster     string
		wantErr     string
		wantAlready bool
		wantConfl   bool
		wantNS      bool
		wantExists  bool
		wantTmpl    []string
		wantSel     []string
		wantNotes   []string
	}{
		{name: "into a new namespace", req: Request{Ref: webRef}, wantNS: true,
			wantTmpl: []string{"deployment shop/web"}, wantSel: []string{"Deployment/web"}},
		{name: "into an existing namespace", req: Request{Ref: webRef}, cp: []client.Object{shop},
			wantTmpl: []string{"deployment shop/web"}, wantSel: []string{"Deployment/web"}},
		{name: "with dependencies", req: Request{Ref: webRef, Dependencies: true}, cp: []client.Object{shop},
			wantTmpl: []string{"configmap shop/web-config", "secret shop/web-secret", "deployment shop/web"},
			wantSel:  []string{"ConfigMap/web-config", "Secret/web-secret", "Deployment/web"},
			wantNotes: []string{
				"configmap shop/missing is referenced but not found in cluster member3; not promoted",
				"serviceaccount shop/web is referenced but not promoted: only ConfigMaps and Secrets are",
			}},
		{name: "dependency already on the control plane", req: Request{Ref: webRef, Dependencies: true},
			cp:       []client.Object{shop, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web-secret"}}},
			wantTmpl: []string{"configmap shop/web-config", "deployment shop/web"},
			wantSel:  []string{"ConfigMap/web-config", "Deployment/web"},
			wantNotes: []string{
				"configmap shop/missing is referenced but not found in cluster member3; not promoted",
				"secret shop/web-secret already exists on the control plane; not promoted",
				"serviceaccount shop/web is referenced but not promoted: only ConfigMaps and Secrets are",
			}},
		{name: "same policy already there", req: Request{Ref: webRef}, cp: []client.Object{shop, promotedPolicy("web")},
			wantExists: true, wantTmpl: []string{"deployment shop/web"}, wantSel: []string{"Deployment/web"}},
		{name: "policy name taken", req: Request{Ref: webRef}, cp: []client.Object{shop, promotedPolicy("other")}, wantConfl: true,
			wantErr: "propagationpolicy shop/web-deployment already exists and selects or places other resources"},
		{name: "custom policy name", req: Request{Ref: webRef, PolicyName: "adopt-web"}, cp: []client.Object{shop, promotedPolicy("other")},
			wantTmpl: []string{"deployment shop/web"}, wantSel: []string{"Deployment/web"}},
		{name: "already promoted", req: Request{Ref: webRef}, wantAlready: true,
			cp:      []client.Object{shop, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web"}}},
			wantErr: "deployment shop/web already exists on the control plane; nothing to promote"},
		{name: "not in the member", req: Request{Ref: propagationpolicy.Ref{GVK: deploymentGVK, Namespace: "shop", Name: "api"}},
			wantErr: "deployment shop/api not found in cluster member3"},
		{name: "unknown cluster", req: Request{Ref: webRef}, cluster: "member9", wantErr: `cluster "member9" not found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil, tt.cp...)
			if tt.cluster != "" {
				f.promoter.Cluster = tt.cluster
			}
			plan, err := f.promoter.Plan(context.Background(), tt.req)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Plan() error = %v, want %q", err, tt.wantErr)
				}
				var already *AlreadyPromotedError
				var conflict *PolicyConflictError
				if errors.As(err, &already) != tt.wantAlready || errors.As(err, &conflict) != tt.wantConfl {
					t.Errorf("Plan() error type %T", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (plan.Namespace != nil) != tt.wantNS {
				t.Errorf("namespace to create = %v, want %v", plan.Namespace, tt.wantNS)
			}
			if plan.PolicyExists != tt.wantExists {
				t.Errorf("PolicyExists = %v, want %v", plan.PolicyExists, tt.wantExists)
			}
			if diff := cmp.Diff(tt.wantTmpl, names(plan.Templates)); diff != "" {
				t.Errorf("templates (-want +got):\n%s", diff)
			}
			var sel []string
			for _, s := range plan.Policy.Spec.ResourceSelectors {
				sel = append(sel, s.Kind+"/"+s.Name)
			}
			if diff := cmp.Diff(tt.wantSel, sel); diff != "" {
				t.Errorf("selectors (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantNotes, plan.Notes); diff != "" {
				t.Errorf("notes (-want +got):\n%s", diff)
			}
			spec := plan.Policy.Spec
			if spec.ConflictResolution != policyv1alpha1.ConflictOverwrite || !ptr.Deref(spec.PreserveResourcesOnDeletion, false) ||
				!cmp.Equal(spec.Placement.ClusterAffinity.ClusterNames, []string{"member3"}) {
				t.Errorf("policy spec = %+v, want member3 only, Overwrite, preserved", spec)
			}
			for _, tmpl := range plan.Templates {
				if tmpl.GetUID() != "" || tmpl.GetResourceVersion() != "" {
					t.Errorf("%s is not stripped", Describe(tmpl))
				}
			}
		})
	}
}

func TestApply(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	plan, err := f.promoter.Plan(ctx, Request{Ref: webRef, Dependencies: true})
	if err != nil {
		t.Fatal(err)
	}
	created, err := f.promoter.Apply(ctx, plan)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, obj := range created {
		got = append(got, Describe(obj))
	}
	want := []string{"namespace shop", "propagationpolicy shop/web-deployment",
		"configmap shop/web-config", "secret shop/web-secret", "deployment shop/web"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("created (-want +got):\n%s", diff)
	}
	var d appsv1.Deployment
	if err := f.cp.Get(ctx, client.ObjectKey{Namespace: "shop", Name: "web"}, &d); err != nil {
		t.Fatal(err)
	}
	if d.UID == "member-uid" || d.Status.ReadyReplicas != 0 || ptr.Deref(d.Spec.Replicas, 0) != 2 {
		t.Errorf("template = %+v, want the member's spec without its uid and status", d)
	}
}

// failOn makes creating the named object fail.
func failOn(kind, name string) *interceptor.Funcs {
	return &interceptor.Funcs{
		Create: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
			if strings.EqualFold(obj.GetObjectKind().GroupVersionKind().Kind, kind) && obj.GetName() == name {
				return apierrors.NewForbidden(schema.GroupResource{Resource: strings.ToLower(kind) + "s"}, name, errors.New("no"))
			}
			return c.Create(ctx, obj, opts...)
		},
	}
}

func TestApplyRollsBack(t *testing.T) {
	shop := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}
	tests := []struct {
		name    string
		fail    *interceptor.Funcs
		cp      []client.Object
		wantErr string
		// kept are objects that must still exist afterwards.
		kept []client.Object
	}{
		{name: "template fails: policy, dependencies and namespace go", fail: failOn("Deployment", "web"),
			wantErr: `creating deployment shop/web on the control plane: deployments "web" is forbidden: no; ` +
				"rolled back: deleted secret shop/web-secret, configmap shop/web-config, propagationpolicy shop/web-deployment, namespace shop"},
		{name: "policy fails: the namespace goes", fail: failOn("PropagationPolicy", "web-deployment"),
			wantErr: `creating propagationpolicy shop/web-deployment on the control plane: propagationpolicys "web-deployment" is forbidden: no; ` +
				"rolled back: deleted namespace shop"},
		{name: "a namespace that existed stays", fail: failOn("ConfigMap", "web-config"), cp: []client.Object{shop},
			kept: []client.Object{&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}},
			wantErr: `creating configmap shop/web-config on the control plane: configmaps "web-config" is forbidden: no; ` +
				"rolled back: deleted propagationpolicy shop/web-deployment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.fail, tt.cp...)
			ctx := context.Background()
			plan, err := f.promoter.Plan(ctx, Request{Ref: webRef, Dependencies: true})
			if err != nil {
				t.Fatal(err)
			}
			created, err := f.promoter.Apply(ctx, plan)
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("Apply() error = %v, want %q", err, tt.wantErr)
			}
			if created != nil {
				t.Errorf("Apply() returned created objects after a rollback: %v", created)
			}
			for _, obj := range []client.Object{
				&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web-config"}},
				&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web-secret"}},
				&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web"}},
				&policyv1alpha1.PropagationPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web-deployment"}},
			} {
				if err := f.cp.Get(ctx, client.ObjectKeyFromObject(obj), obj); !apierrors.IsNotFound(err) {
					t.Errorf("%T %s left behind (err %v)", obj, obj.GetName(), err)
				}
			}
			ns := &corev1.Namespace{}
			err = f.cp.Get(ctx, client.ObjectKey{Name: "shop"}, ns)
			if len(tt.kept) > 0 && err != nil {
				t.Errorf("namespace shop was deleted: %v", err)
			}
			if len(tt.kept) == 0 && !apierrors.IsNotFound(err) {
				t.Errorf("namespace shop left behind (err %v)", err)
			}
		})
	}
}

func TestRollbackReportsWhatIsLeft(t *testing.T) {
	funcs := failOn("Deployment", "web")
	funcs.Delete = func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.DeleteOption) error {
		if obj.GetName() == "web-deployment" {
			return errors.New("connection refused")
		}
		return c.Delete(ctx, obj, opts...)
	}
	f := newFixture(t, funcs)
	ctx := context.Background()
	plan, err := f.promoter.Plan(ctx, Request{Ref: webRef})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.promoter.Apply(ctx, plan)
	want := `creating deployment shop/web on the control plane: deployments "web" is forbidden: no; ` +
		"rollback incomplete, delete by hand: propagationpolicy shop/web-deployment (connection refused)"
	if err == nil || err.Error() != want {
		t.Fatalf("Apply() error = %v, want %q", err, want)
	}
}
