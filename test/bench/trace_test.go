package bench

import (
	"fmt"
	"os"
	"sort"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
	"github.com/fleetplane/fleetplane/test/e2e/framework"
)

// TestPropagationTrace prints, for one Deployment, when each stage of the pipeline
// first changed: a timeline for finding where propagation latency goes.
func TestPropagationTrace(t *testing.T) {
	if os.Getenv("BENCH_TRACE") == "" {
		t.Skip("set BENCH_TRACE=1 to print a propagation timeline")
	}
	sb := framework.Load(t)
	ctx := t.Context()
	cp := sb.Dynamic(t, framework.ControlPlane)
	m1 := sb.Dynamic(t, framework.Member1)
	ns := framework.CreateNamespace(ctx, t, sb.Client(t, framework.ControlPlane), "bench-trace")
	pp := &policyv1alpha1.PropagationPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "all"},
		Spec: policyv1alpha1.PropagationSpec{
			ResourceSelectors: []policyv1alpha1.ResourceSelector{{APIVersion: "apps/v1", Kind: "Deployment"}},
			Placement: policyv1alpha1.Placement{ReplicaScheduling: &policyv1alpha1.ReplicaSchedulingStrategy{
				ReplicaSchedulingType: policyv1alpha1.ReplicaSchedulingTypeDivided, ReplicaDivisionPreference: policyv1alpha1.ReplicaDivisionPreferenceWeighted}},
		},
	}
	if err := sb.Karmada(t).Create(ctx, pp); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	var mu sync.Mutex
	var events []string
	start := time.Now()
	watch := func(c dynamic.Interface, gvr schema.GroupVersionResource, namespace, label string) {
		w, err := c.Resource(gvr).Namespace(namespace).Watch(ctx, metav1.ListOptions{})
		if err != nil {
			t.Error(err)
			return
		}
		go func() {
			for ev := range w.ResultChan() {
				u, ok := ev.Object.(*unstructured.Unstructured)
				if !ok {
					continue
				}
				st, _, _ := unstructured.NestedMap(u.Object, "status")
				mu.Lock()
				events = append(events, fmt.Sprintf("%8s %-22s %-8s %s rv=%s status=%v", time.Since(start).Round(time.Millisecond), label, ev.Type, u.GetName(), u.GetResourceVersion(), short(st)))
				mu.Unlock()
			}
		}()
	}
	watch(cp, schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}, ns, "template")
	watch(cp, schema.GroupVersionResource{Group: "work.karmada.io", Version: "v1alpha2", Resource: "resourcebindings"}, ns, "binding")
	watch(cp, schema.GroupVersionResource{Group: "work.karmada.io", Version: "v1alpha1", Resource: "works"}, "karmada-es-member1", "work(member1)")
	watch(m1, schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}, ns, "member1 deployment")
	time.Sleep(300 * time.Millisecond)
	start = time.Now()
	if _, err := sb.Client(t, framework.ControlPlane).AppsV1().Deployments(ns).Create(ctx, framework.Deployment(ns, "traced", 3), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(8 * time.Second)
	mu.Lock()
	sort.Strings(events)
	for _, e := range events {
		fmt.Println(e)
	}
	mu.Unlock()
}

func short(m map[string]any) string {
	s := fmt.Sprint(m)
	if len(s) > 120 {
		s = s[:120]
	}
	return s
}
