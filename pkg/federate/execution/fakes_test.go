package execution

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/rest"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	workv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/federate"
)

var (
	deploymentsGVR = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	configMapsGVR  = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	namespacesGVR  = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
)

// testMapper is a static RESTMapper that counts resets.
type testMapper struct {
	*meta.DefaultRESTMapper
	resets atomic.Int32
}

func (m *testMapper) Reset() { m.resets.Add(1) }

func newTestMapper() *testMapper {
	m := meta.NewDefaultRESTMapper(nil)
	m.Add(schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}, meta.RESTScopeNamespace)
	m.Add(schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}, meta.RESTScopeNamespace)
	m.Add(schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}, meta.RESTScopeRoot)
	return &testMapper{DefaultRESTMapper: m}
}

// fakeMember is a member cluster backed by a fake dynamic client whose
// server-side apply creates or merges, bumping the resource version on change and
// the generation on a change outside metadata and status.
type fakeMember struct {
	dyn    *dynamicfake.FakeDynamicClient
	mapper *testMapper
	rv     atomic.Int64
	uid    atomic.Int64
	// down makes every request fail as if the member were unreachable.
	down atomic.Bool
}

func newFakeMember(objs ...*unstructured.Unstructured) *fakeMember {
	f := &fakeMember{mapper: newTestMapper()}
	f.rv.Store(100)
	listKinds := map[schema.GroupVersionResource]string{
		deploymentsGVR: "DeploymentList", configMapsGVR: "ConfigMapList", namespacesGVR: "NamespaceList",
	}
	var initial []runtime.Object
	for _, o := range objs {
		o = o.DeepCopy()
		f.stamp(o)
		initial = append(initial, o)
	}
	f.dyn = dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), listKinds, initial...)
	f.dyn.PrependReactor("*", "*", func(clienttesting.Action) (bool, runtime.Object, error) {
		if f.down.Load() {
			return true, nil, fmt.Errorf("dial tcp: connection refused")
		}
		return false, nil, nil
	})
	f.dyn.PrependReactor("patch", "*", f.apply)
	f.dyn.PrependReactor("create", "*", func(action clienttesting.Action) (bool, runtime.Object, error) {
		if u, ok := action.(clienttesting.CreateAction).GetObject().(*unstructured.Unstructured); ok {
			f.stamp(u)
		}
		return false, nil, nil
	})
	return f
}

func (f *fakeMember) connect(*rest.Config) (dynamic.Interface, meta.ResettableRESTMapper, error) {
	return f.dyn, f.mapper, nil
}

func (f *fakeMember) stamp(o *unstructured.Unstructured) {
	if o.GetUID() == "" {
		o.SetUID(types.UID(fmt.Sprintf("uid-%d", f.uid.Add(1))))
	}
	o.SetResourceVersion(fmt.Sprint(f.rv.Add(1)))
	switch o.GetKind() {
	case "Deployment":
		if o.GetGeneration() == 0 {
			o.SetGeneration(1)
		}
	case "Namespace":
		_ = unstructured.SetNestedField(o.Object, "Active", "status", "phase")
	}
}

func (f *fakeMember) apply(action clienttesting.Action) (bool, runtime.Object, error) {
	if f.down.Load() {
		return true, nil, fmt.Errorf("dial tcp: connection refused")
	}
	pa, ok := action.(clienttesting.PatchAction)
	if !ok || pa.GetPatchType() != types.ApplyPatchType {
		return false, nil, nil
	}
	intent := &unstructured.Unstructured{}
	if err := intent.UnmarshalJSON(pa.GetPatch()); err != nil {
		return true, nil, err
	}
	tracker := f.dyn.Tracker()
	gvr, ns := pa.GetResource(), pa.GetNamespace()
	existing, err := tracker.Get(gvr, ns, pa.GetName())
	if apierrors.IsNotFound(err) {
		f.stamp(intent)
		return true, intent.DeepCopy(), tracker.Create(gvr, intent, ns)
	}
	if err != nil {
		return true, nil, err
	}
	cur := existing.(*unstructured.Unstructured)
	merged := cur.DeepCopy()
	mergeInto(merged.Object, intent.Object)
	if reflect.DeepEqual(merged.Object, cur.Object) {
		return true, merged, nil
	}
	if !reflect.DeepEqual(withoutMetaAndStatus(merged), withoutMetaAndStatus(cur)) && merged.GetGeneration() > 0 {
		merged.SetGeneration(merged.GetGeneration() + 1)
	}
	f.stamp(merged)
	return true, merged.DeepCopy(), tracker.Update(gvr, merged, ns)
}

func mergeInto(dst, src map[string]any) {
	for k, v := range src {
		if sv, ok := v.(map[string]any); ok {
			if dv, ok := dst[k].(map[string]any); ok {
				mergeInto(dv, sv)
				continue
			}
		}
		dst[k] = v
	}
}

func withoutMetaAndStatus(o *unstructured.Unstructured) map[string]any {
	out := maps.Clone(o.Object)
	delete(out, "metadata")
	delete(out, "status")
	return out
}

// update changes an object on the member as a user or controller there would.
func (f *fakeMember) update(t *testing.T, gvr schema.GroupVersionResource, ns, name string, mutate func(*unstructured.Unstructured)) {
	t.Helper()
	obj, err := f.dyn.Tracker().Get(gvr, ns, name)
	if err != nil {
		t.Fatal(err)
	}
	u := obj.(*unstructured.Unstructured).DeepCopy()
	mutate(u)
	f.stamp(u)
	if err := f.dyn.Tracker().Update(gvr, u, ns); err != nil {
		t.Fatal(err)
	}
}

func (f *fakeMember) object(t *testing.T, gvr schema.GroupVersionResource, ns, name string) *unstructured.Unstructured {
	t.Helper()
	obj, err := f.dyn.Tracker().Get(gvr, ns, name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return obj.(*unstructured.Unstructured)
}

// requests lists the member requests other than the informers' lists and
// watches, as "verb resource".
func (f *fakeMember) requests() []string {
	var out []string
	for _, a := range f.dyn.Actions() {
		if a.GetVerb() == "list" || a.GetVerb() == "watch" {
			continue
		}
		out = append(out, a.GetVerb()+" "+a.GetResource().Resource)
	}
	return out
}

// controlPlane counts the writes to the control plane.
type controlPlane struct {
	client.Client
	mu     sync.Mutex
	writes []string
}

func (c *controlPlane) record(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes = append(c.writes, s)
}

func (c *controlPlane) takeWrites() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.writes
	c.writes = nil
	return out
}

type testEnv struct {
	r      *Reconciler
	cp     *controlPlane
	member *fakeMember
	events *events.FakeRecorder
	queue  workqueue.TypedRateLimitingInterface[reconcile.Request]
}

func testClusterObj(ready metav1.ConditionStatus) *clusterv1alpha1.Cluster {
	return &clusterv1alpha1.Cluster{
		ObjectMeta: metav1.ObjectMeta{Name: "member1", Generation: 1},
		Spec: clusterv1alpha1.ClusterSpec{
			SyncMode: clusterv1alpha1.Push, APIEndpoint: "https://member1.example:6443",
			SecretRef: &clusterv1alpha1.LocalSecretReference{Namespace: "karmada-cluster", Name: "member1"},
		},
		Status: clusterv1alpha1.ClusterStatus{Conditions: []metav1.Condition{{
			Type: clusterv1alpha1.ClusterConditionReady, Status: ready, Reason: "Test", LastTransitionTime: metav1.Now(),
		}}},
	}
}

func newTestEnv(t *testing.T, member *fakeMember, objs ...client.Object) *testEnv {
	t.Helper()
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: "karmada-cluster", Name: "member1"},
		Data:       map[string][]byte{clusterv1alpha1.SecretTokenKey: []byte("t")},
	}
	cp := &controlPlane{}
	c := fake.NewClientBuilder().WithScheme(federate.Scheme).
		WithStatusSubresource(&workv1alpha1.Work{}).
		WithObjects(append(objs, secret)...).
		WithInterceptorFuncs(interceptor.Funcs{
			Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
				cp.record("patch " + obj.GetName())
				return c.Patch(ctx, obj, patch, opts...)
			},
			SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
				cp.record("patch " + obj.GetName() + "/" + sub)
				return c.SubResource(sub).Patch(ctx, obj, patch, opts...)
			},
		}).Build()
	cp.Client = c
	recorder := events.NewFakeRecorder(20)
	r := NewReconciler(cp, c, recorder)
	r.members.connect = member.connect
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	queue := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[reconcile.Request]())
	t.Cleanup(queue.ShutDown)
	if err := r.MemberEvents().Start(ctx, queue); err != nil {
		t.Fatal(err)
	}
	return &testEnv{r: r, cp: cp, member: member, events: recorder, queue: queue}
}

func (e *testEnv) reconcile(t *testing.T, name string) (reconcile.Result, error) {
	t.Helper()
	return e.r.Reconcile(context.Background(), reconcile.Request{NamespacedName: types.NamespacedName{Namespace: testWork.Namespace, Name: name}})
}

func (e *testEnv) work(t *testing.T, name string) *workv1alpha1.Work {
	t.Helper()
	w := &workv1alpha1.Work{}
	if err := e.cp.Get(context.Background(), types.NamespacedName{Namespace: testWork.Namespace, Name: name}, w); err != nil {
		t.Fatal(err)
	}
	return w
}

// waitCached waits until the member informer shows the object with resource
// version rv ("" for gone).
func (e *testEnv) waitCached(t *testing.T, key objectKey, rv string) {
	t.Helper()
	m := e.r.members.byName["member1"]
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		obj, synced := m.cached(context.Background(), key)
		if synced && (obj == nil && rv == "" || obj != nil && obj.GetResourceVersion() == rv) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("informer never showed %v at resource version %q", key, rv)
}

// waitQueued waits for a member event to enqueue a Work, and drains the queue.
func (e *testEnv) waitQueued(t *testing.T, name string) {
	t.Helper()
	done := make(chan reconcile.Request, 1)
	go func() {
		item, shutdown := e.queue.Get()
		if !shutdown {
			e.queue.Done(item)
			done <- item
		}
	}()
	select {
	case item := <-done:
		if item.Name != name {
			t.Fatalf("queued %v, want work %s", item, name)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("work %s was never queued", name)
	}
	for e.queue.Len() > 0 {
		item, _ := e.queue.Get()
		e.queue.Done(item)
	}
}

func drainEvents(r *events.FakeRecorder) []string {
	var out []string
	for {
		select {
		case e := <-r.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

func testWorkObj(name string, manifests ...string) *workv1alpha1.Work {
	w := &workv1alpha1.Work{ObjectMeta: metav1.ObjectMeta{Namespace: testWork.Namespace, Name: name, UID: types.UID("work-" + name), Generation: 1}}
	for _, m := range manifests {
		w.Spec.Workload.Manifests = append(w.Spec.Workload.Manifests, manifest(m))
	}
	return w
}
