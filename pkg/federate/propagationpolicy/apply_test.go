package propagationpolicy

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crfake "sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
)

func TestApply(t *testing.T) {
	web := Ref{GVK: deploymentGVK, Namespace: "default", Name: "web"}
	toMember1 := Placement{Clusters: []string{"member1"}, Mode: ReplicasDuplicated}.Build()
	divided := Placement{Clusters: []string{"member1", "member2"}, Mode: ReplicasDivided}.Build()
	want := func(p policyv1alpha1.Placement) Policy {
		return New("web-deployment", "default", []Ref{web}, policyv1alpha1.PropagationSpec{Placement: p})
	}
	// existing is a policy of that name a user has added a priority and failover to.
	existing := func(p policyv1alpha1.Placement) *policyv1alpha1.PropagationPolicy {
		return &policyv1alpha1.PropagationPolicy{
			ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web-deployment"},
			Spec: policyv1alpha1.PropagationSpec{
				ResourceSelectors: Selectors([]Ref{web}, false),
				Placement:         p,
				Priority:          ptr.To[int32](5),
				Failover:          &policyv1alpha1.FailoverBehavior{},
			},
		}
	}
	tests := []struct {
		name     string
		existing *policyv1alpha1.PropagationPolicy
		want     Policy
		dryRun   bool
		// raceCreate makes the first create fail as if someone created the policy first.
		raceCreate bool
		wantOp     Operation
		wantSpec   policyv1alpha1.PropagationSpec
	}{
		{name: "create", want: want(divided), wantOp: Created,
			wantSpec: policyv1alpha1.PropagationSpec{ResourceSelectors: Selectors([]Ref{web}, false), Placement: divided}},
		{name: "same again", existing: existing(divided), want: want(divided), wantOp: Unchanged,
			wantSpec: existing(divided).Spec},
		{name: "new placement keeps hand-made fields", existing: existing(toMember1), want: want(divided), wantOp: Configured,
			wantSpec: existing(divided).Spec},
		{name: "server dry run creates nothing", want: want(divided), dryRun: true, wantOp: Created},
		{name: "server dry run updates nothing", existing: existing(toMember1), want: want(divided), dryRun: true,
			wantOp: Configured, wantSpec: existing(toMember1).Spec},
		{name: "lost a create race", existing: existing(toMember1), raceCreate: true, want: want(divided), wantOp: Configured,
			wantSpec: existing(divided).Spec},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewScheme()
			if err != nil {
				t.Fatal(err)
			}
			b := crfake.NewClientBuilder().WithScheme(s)
			if tt.existing != nil {
				b = b.WithObjects(tt.existing)
			}
			if tt.raceCreate {
				hidden := true
				b = b.WithInterceptorFuncs(interceptor.Funcs{
					Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
						if hidden {
							hidden = false
							return c.Get(ctx, client.ObjectKey{Namespace: key.Namespace, Name: "nothing-here"}, obj, opts...)
						}
						return c.Get(ctx, key, obj, opts...)
					},
				})
			}
			c := b.Build()
			_, op, err := Apply(context.Background(), c, tt.want, tt.dryRun)
			if err != nil {
				t.Fatal(err)
			}
			if op != tt.wantOp {
				t.Errorf("Apply() operation = %q, want %q", op, tt.wantOp)
			}
			var stored policyv1alpha1.PropagationPolicy
			err = c.Get(context.Background(), client.ObjectKey{Namespace: "default", Name: "web-deployment"}, &stored)
			if tt.existing == nil && tt.dryRun {
				if err == nil {
					t.Fatalf("a dry run created the policy")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantSpec, stored.Spec); diff != "" {
				t.Errorf("stored spec (-want +got):\n%s", diff)
			}
		})
	}
}

func TestApplyReportsTheFailedStep(t *testing.T) {
	s, err := NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	c := crfake.NewClientBuilder().WithScheme(s).WithInterceptorFuncs(interceptor.Funcs{
		Create: func(context.Context, client.WithWatch, client.Object, ...client.CreateOption) error {
			return errors.New("forbidden")
		},
	}).Build()
	p := New("web-deployment", "default", []Ref{{GVK: deploymentGVK, Namespace: "default", Name: "web"}}, policyv1alpha1.PropagationSpec{})
	_, _, err = Apply(context.Background(), c, p, false)
	if err == nil || err.Error() != "creating propagationpolicy default/web-deployment: forbidden" {
		t.Fatalf("Apply() error = %v", err)
	}
}
