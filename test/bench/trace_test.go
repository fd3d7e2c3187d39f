package bench

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

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
	createDividedPolicy(ctx, t, sb, ns)
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

// TestPropagationStages creates BENCH_STAGES Deployments at once and prints, for
// each stage of the pipeline, when the objects reached it (p50 and max since the
// first create): where the time of a burst goes.
func TestPropagationStages(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("BENCH_STAGES"))
	if n <= 0 {
		t.Skip("set BENCH_STAGES=<count> to print the stages of a burst of Deployments")
	}
	sb := framework.Load(t)
	ctx := t.Context()
	cp := sb.Dynamic(t, framework.ControlPlane)
	ns := framework.CreateNamespace(ctx, t, sb.Client(t, framework.ControlPlane), "bench-stages")
	createDividedPolicy(ctx, t, sb, ns)

	var mu sync.Mutex
	reached := map[string]map[string]time.Duration{} // stage -> object -> first time
	var start time.Time
	mark := func(stage, name string) {
		mu.Lock()
		defer mu.Unlock()
		if reached[stage] == nil {
			reached[stage] = map[string]time.Duration{}
		}
		if _, ok := reached[stage][name]; !ok && !start.IsZero() {
			reached[stage][name] = time.Since(start)
		}
	}
	deployments := schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	watch := func(c dynamic.Interface, gvr schema.GroupVersionResource, namespace string, stages func(u *unstructured.Unstructured)) {
		w, err := c.Resource(gvr).Namespace(namespace).Watch(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			for ev := range w.ResultChan() {
				if u, ok := ev.Object.(*unstructured.Unstructured); ok {
					stages(u)
				}
			}
		}()
	}
	watch(cp, deployments, ns, func(u *unstructured.Unstructured) {
		if _, ok := u.GetLabels()["propagationpolicy.karmada.io/permanent-id"]; ok {
			mark("1 template claimed", u.GetName())
		}
		if r, _, _ := unstructured.NestedInt64(u.Object, "status", "readyReplicas"); r == 3 {
			mark("9 template ready", u.GetName())
		}
	})
	watch(cp, schema.GroupVersionResource{Group: "work.karmada.io", Version: "v1alpha2", Resource: "resourcebindings"}, ns, func(u *unstructured.Unstructured) {
		mark("2 binding created", u.GetName())
		if c, _, _ := unstructured.NestedSlice(u.Object, "spec", "clusters"); len(c) > 0 {
			mark("3 binding scheduled", u.GetName())
		}
	})
	for _, m := range framework.Members {
		watch(cp, schema.GroupVersionResource{Group: "work.karmada.io", Version: "v1alpha1", Resource: "works"}, "karmada-es-"+m, func(u *unstructured.Unstructured) {
			mark("4 work created ("+m+")", u.GetName())
			if conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions"); len(conds) > 0 {
				mark("6 work applied ("+m+")", u.GetName())
			}
		})
		watch(sb.Dynamic(t, m), deployments, ns, func(u *unstructured.Unstructured) {
			mark("5 member created ("+m+")", u.GetName())
			if r, _, _ := unstructured.NestedInt64(u.Object, "status", "readyReplicas"); r > 0 {
				mark("7 member ready ("+m+")", u.GetName())
			}
		})
	}
	time.Sleep(300 * time.Millisecond)
	mu.Lock()
	start = time.Now()
	mu.Unlock()
	Measure(ctx, n, 16, func(ctx context.Context, i int) error {
		_, err := sb.Client(t, framework.ControlPlane).AppsV1().Deployments(ns).Create(ctx, smallDeployment(ns, i, 3), metav1.CreateOptions{})
		return err
	})
	for deadline := time.Now().Add(5 * time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		mu.Lock()
		done := len(reached["9 template ready"]) == n
		mu.Unlock()
		if done {
			break
		}
	}
	mu.Lock()
	defer mu.Unlock()
	var stages []string
	for s := range reached {
		stages = append(stages, s)
	}
	sort.Strings(stages)
	fmt.Printf("%-28s %6s %10s %10s %10s\n", "stage", "count", "first", "p50", "max")
	for _, s := range stages {
		var d []time.Duration
		for _, v := range reached[s] {
			d = append(d, v)
		}
		slices.Sort(d)
		fmt.Printf("%-28s %6d %10s %10s %10s\n", s, len(d), round(d[0]), round(d[len(d)/2]), round(d[len(d)-1]))
	}
}
