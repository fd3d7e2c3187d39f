package execution

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	workv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/federate/naming"
)

func TestFinalize(t *testing.T) {
	configMap := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg","namespace":"shop"}}`
	someoneElses := func() *unstructured.Unstructured {
		return mustDecode(t, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg","namespace":"shop"}}`)
	}
	tests := []struct {
		name     string
		existing []*unstructured.Unstructured
		preserve bool
		// before runs after the Work was applied and deleted.
		before        func(t *testing.T, env *testEnv)
		wantRequests  []string
		wantErr       bool
		wantWorkGone  bool
		wantDeploy    bool
		wantConfigMap bool
		wantLabels    map[string]string
	}{
		{
			name: "deletes the work's objects in reverse order and keeps the ensured namespace",
			// The ConfigMap is checked first, from the cache; both objects go.
			wantRequests: []string{"delete configmaps", "delete deployments"},
			wantWorkGone: true,
		},
		{
			name:         "preserve releases the objects",
			preserve:     true,
			wantRequests: []string{"patch configmaps", "patch deployments"},
			wantWorkGone: true, wantDeploy: true, wantConfigMap: true,
			wantLabels: map[string]string{},
		},
		{
			name:     "leaves an object it never took over",
			existing: []*unstructured.Unstructured{someoneElses()},
			// A synced cache without it means it is not managed.
			wantRequests:  []string{"delete deployments"},
			wantWorkGone:  true,
			wantConfigMap: true,
		},
		{
			name: "cluster gone leaves the member alone",
			before: func(t *testing.T, env *testEnv) {
				if err := env.cp.Delete(context.Background(), testClusterObj(metav1.ConditionTrue)); err != nil {
					t.Fatal(err)
				}
			},
			wantWorkGone: true, wantDeploy: true, wantConfigMap: true, wantLabels: ourLabels("web"),
		},
		{
			name:    "cluster not ready keeps the work",
			before:  setClusterReady(metav1.ConditionFalse, false),
			wantErr: true, wantDeploy: true, wantConfigMap: true, wantLabels: ourLabels("web"),
		},
		{
			name:         "cluster unjoining and not ready lets the work go",
			before:       setClusterReady(metav1.ConditionUnknown, true),
			wantWorkGone: true, wantDeploy: true, wantConfigMap: true, wantLabels: ourLabels("web"),
		},
		{
			name:         "member unreachable keeps the work",
			before:       func(t *testing.T, env *testEnv) { env.member.down.Store(true) },
			wantRequests: []string{"delete configmaps"},
			wantErr:      true, wantDeploy: true, wantConfigMap: true, wantLabels: ourLabels("web"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			member := newFakeMember(tt.existing...)
			work := testWorkObj("web", nsManifest, deployManifest, configMap)
			work.Spec.PreserveResourcesOnDeletion = ptr.To(tt.preserve)
			env := newTestEnv(t, member, testClusterObj(metav1.ConditionTrue), work)
			if _, err := env.reconcile(t, "web"); err != nil {
				t.Fatal(err)
			}
			env.waitCached(t, webKey, member.object(t, deploymentsGVR, "shop", "web").GetResourceVersion())
			if tt.existing == nil {
				env.waitCached(t, objectKey{gvr: configMapsGVR, namespace: "shop", name: "cfg"},
					member.object(t, configMapsGVR, "shop", "cfg").GetResourceVersion())
			}
			if err := env.cp.Delete(context.Background(), env.work(t, "web")); err != nil {
				t.Fatal(err)
			}
			if tt.before != nil {
				tt.before(t, env)
			}
			member.dyn.ClearActions()

			_, err := env.reconcile(t, "web")
			if (err != nil) != tt.wantErr {
				t.Fatalf("Reconcile() error = %v, want error %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.wantRequests, member.requests()); diff != "" {
				t.Errorf("member requests (-want +got):\n%s", diff)
			}
			member.down.Store(false)
			got := &workv1alpha1.Work{}
			err = env.cp.Get(context.Background(), types.NamespacedName{Namespace: testWork.Namespace, Name: "web"}, got)
			if gone := apierrors.IsNotFound(err); gone != tt.wantWorkGone {
				t.Errorf("work gone = %v (finalizers %v), want %v", gone, got.Finalizers, tt.wantWorkGone)
			}
			if !tt.wantWorkGone && !controllerutil.ContainsFinalizer(got, Finalizer) {
				t.Error("the finalizer was removed")
			}
			deploy := member.object(t, deploymentsGVR, "shop", "web")
			if (deploy != nil) != tt.wantDeploy {
				t.Errorf("deployment present = %v, want %v", deploy != nil, tt.wantDeploy)
			}
			if cm := member.object(t, configMapsGVR, "shop", "cfg"); (cm != nil) != tt.wantConfigMap {
				t.Errorf("configmap present = %v, want %v", cm != nil, tt.wantConfigMap)
			}
			if member.object(t, namespacesGVR, "", "shop") == nil {
				t.Error("the ensured namespace was deleted")
			}
			if deploy != nil {
				labels := deploy.GetLabels()
				if labels == nil {
					labels = map[string]string{}
				}
				if diff := cmp.Diff(tt.wantLabels, labels); diff != "" {
					t.Errorf("deployment labels (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func ourLabels(work string) map[string]string {
	return map[string]string{naming.ManagedByLabel: "true", naming.WorkNamespaceLabel: testWork.Namespace, naming.WorkNameLabel: work}
}

func setClusterReady(status metav1.ConditionStatus, terminating bool) func(t *testing.T, env *testEnv) {
	return func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		c := &clusterv1alpha1.Cluster{}
		if err := env.cp.Get(ctx, types.NamespacedName{Name: "member1"}, c); err != nil {
			t.Fatal(err)
		}
		c.Status.Conditions[0].Status = status
		if terminating {
			c.Finalizers = []string{"test/hold"}
		}
		if err := env.cp.Update(ctx, c); err != nil {
			t.Fatal(err)
		}
		if terminating {
			if err := env.cp.Delete(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestPruneDroppedManifest(t *testing.T) {
	configMap := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg","namespace":"shop"}}`
	tests := []struct {
		name          string
		preserve      bool
		wantRequests  []string
		wantConfigMap bool
	}{
		{name: "deleted", wantRequests: []string{"delete configmaps"}},
		{name: "released when preserved", preserve: true, wantRequests: []string{"patch configmaps"}, wantConfigMap: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			member := newFakeMember()
			work := testWorkObj("web", deployManifest, configMap)
			work.Spec.PreserveResourcesOnDeletion = ptr.To(tt.preserve)
			env := newTestEnv(t, member, testClusterObj(metav1.ConditionTrue), work)
			if _, err := env.reconcile(t, "web"); err != nil {
				t.Fatal(err)
			}
			env.waitCached(t, webKey, member.object(t, deploymentsGVR, "shop", "web").GetResourceVersion())
			cmKey := objectKey{gvr: configMapsGVR, namespace: "shop", name: "cfg"}
			env.waitCached(t, cmKey, member.object(t, configMapsGVR, "shop", "cfg").GetResourceVersion())

			updated := env.work(t, "web")
			updated.Spec.Workload.Manifests = updated.Spec.Workload.Manifests[:1]
			if err := env.cp.Update(context.Background(), updated); err != nil {
				t.Fatal(err)
			}
			member.dyn.ClearActions()
			if _, err := env.reconcile(t, "web"); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantRequests, member.requests()); diff != "" {
				t.Errorf("member requests (-want +got):\n%s", diff)
			}
			cm := member.object(t, configMapsGVR, "shop", "cfg")
			if (cm != nil) != tt.wantConfigMap {
				t.Fatalf("configmap present = %v, want %v", cm != nil, tt.wantConfigMap)
			}
			if cm != nil && len(cm.GetLabels()) != 0 {
				t.Errorf("released configmap labels = %v, want none", cm.GetLabels())
			}
			if got := len(env.work(t, "web").Status.ManifestStatuses); got != 1 {
				t.Errorf("%d manifest statuses, want 1", got)
			}
		})
	}
}
