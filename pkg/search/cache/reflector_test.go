package cache

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	clientfeatures "k8s.io/client-go/features"
	clientfeaturestesting "k8s.io/client-go/features/testing"
	toolscache "k8s.io/client-go/tools/cache"
)

// fakeMember serves a list and one watch, the way a member's API server would to a
// reflector: either a list then a watch, or a watch-list (initial events, then a
// bookmark marking their end).
type fakeMember struct {
	initial []*unstructured.Unstructured
	rv      string
	watcher *watch.FakeWatcher

	mu        sync.Mutex
	listed    bool
	watchList bool
}

func (m *fakeMember) listWatch() *toolscache.ListWatch {
	return &toolscache.ListWatch{
		ListWithContextFunc: func(context.Context, metav1.ListOptions) (runtime.Object, error) {
			m.mu.Lock()
			m.listed = true
			m.mu.Unlock()
			list := &unstructured.UnstructuredList{Object: map[string]interface{}{
				"apiVersion": "v1", "kind": "ConfigMapList",
				"metadata": map[string]interface{}{"resourceVersion": m.rv},
			}}
			for _, o := range m.initial {
				list.Items = append(list.Items, *o.DeepCopy())
			}
			return list, nil
		},
		WatchFuncWithContext: func(_ context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			if opts.SendInitialEvents != nil && *opts.SendInitialEvents {
				m.mu.Lock()
				m.watchList = true
				m.mu.Unlock()
				for _, o := range m.initial {
					m.watcher.Add(o.DeepCopy())
				}
				m.watcher.Action(watch.Bookmark, bookmark(m.rv, true))
			}
			return m.watcher, nil
		},
	}
}

func bookmark(rv string, initialEventsEnd bool) *unstructured.Unstructured {
	b := &unstructured.Unstructured{Object: map[string]interface{}{"apiVersion": "v1", "kind": "ConfigMap"}}
	b.SetResourceVersion(rv)
	if initialEventsEnd {
		b.SetAnnotations(map[string]string{metav1.InitialEventsAnnotationKey: "true"})
	}
	return b
}

// listOnly is a ListerWatcher that declares it cannot serve watch-lists, so the reflector
// lists then watches.
type listOnly struct{ *toolscache.ListWatch }

func (listOnly) IsWatchListSemanticsUnSupported() bool { return true }

// TestReflector runs client-go reflectors against a fake member and checks that the
// shard follows the list and the watch events.
func TestReflector(t *testing.T) {
	tests := []struct {
		name      string
		watchList bool
	}{
		{"list then watch", false},
		{"watch-list", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clientfeaturestesting.SetFeatureDuringTest(t, clientfeatures.WatchListClient, tt.watchList)
			member := &fakeMember{
				initial: []*unstructured.Unstructured{
					newConfigMap("default", "a", "5", map[string]string{"v": "1"}),
					newConfigMap("default", "b", "6", nil),
				},
				rv:      "10",
				watcher: watch.NewFakeWithChanSize(100, false),
			}
			var lw toolscache.ListerWatcher = member.listWatch()
			if !tt.watchList {
				lw = listOnly{member.listWatch()}
			}
			c := New(Options{MaxObjects: 100, MaxBytes: 1 << 20})
			s := c.Shard("member1", configMaps, "ConfigMap", "")
			r := toolscache.NewReflector(lw, &unstructured.Unstructured{}, s, 0)

			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() {
				defer close(done)
				r.RunWithContext(ctx)
			}()
			defer func() {
				cancel()
				<-done
			}()

			waitFor(t, "initial sync", func() bool { return s.Complete() && s.ResourceVersion() == "10" })
			if diff := cmp.Diff([]Key{{"default", "a"}, {"default", "b"}}, keys(s.Select(Query{}))); diff != "" {
				t.Errorf("after the initial sync (-want +got):\n%s", diff)
			}
			member.mu.Lock()
			if member.watchList != tt.watchList || member.listed == tt.watchList {
				t.Errorf("reflector mode: listed %v, watch-list %v", member.listed, member.watchList)
			}
			member.mu.Unlock()

			member.watcher.Modify(newConfigMap("default", "a", "11", map[string]string{"v": "2"}))
			member.watcher.Add(newConfigMap("kube-system", "c", "12", nil))
			member.watcher.Delete(newConfigMap("default", "b", "13", nil))
			member.watcher.Action(watch.Bookmark, bookmark("20", false))
			waitFor(t, "bookmark", func() bool { return s.ResourceVersion() == "20" })

			got := s.Select(Query{})
			if diff := cmp.Diff([]Key{{"default", "a"}, {"kube-system", "c"}}, keys(got)); diff != "" {
				t.Errorf("after the events (-want +got):\n%s", diff)
			}
			if got[0].ResourceVersion != "11" {
				t.Errorf("default/a at %q, want 11", got[0].ResourceVersion)
			}
			v2, _ := labelsOf(t, got[0])
			if v2 != "2" {
				t.Errorf("default/a has label v=%q, want 2", v2)
			}
			if !s.Complete() {
				t.Error("shard incomplete")
			}
			checkInvariants(t, c)
		})
	}
}

func labelsOf(t *testing.T, e Entry) (string, bool) {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(e.Object); err != nil {
		t.Fatal(err)
	}
	v, ok := u.GetLabels()["v"]
	return v, ok
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 5*time.Millisecond, 10*time.Second, true,
		func(context.Context) (bool, error) { return cond(), nil })
	if err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}
