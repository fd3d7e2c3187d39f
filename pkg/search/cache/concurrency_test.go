package cache

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/labels"
)

// TestConcurrentAccess runs writers (one per shard, as reflectors are), readers and shard
// churn at once on a cache small enough to evict; run it with -race. The bookkeeping must
// agree afterwards and every Select must come back sorted.
func TestConcurrentAccess(t *testing.T) {
	c := New(Options{MaxObjects: 300, MaxBytes: 200 * 1024})
	clusters := []string{"m1", "m2", "m3", "m4"}
	sel, _ := labels.Parse("app=a1")
	var writers, readers sync.WaitGroup
	stop := make(chan struct{})

	for w, cluster := range clusters {
		writers.Go(func() {
			rnd := rand.New(rand.NewPCG(uint64(w), 1))
			s := c.Shard(cluster, configMaps, "ConfigMap", "")
			for i := range 1000 {
				ns := fmt.Sprintf("ns-%d", rnd.IntN(5))
				name := fmt.Sprintf("cm-%d", rnd.IntN(200))
				rv := fmt.Sprint(i)
				var err error
				switch op := rnd.IntN(100); {
				case op < 60:
					err = s.Add(newConfigMap(ns, name, rv, map[string]string{"app": fmt.Sprintf("a%d", rnd.IntN(3))}))
				case op < 85:
					err = s.Delete(newConfigMap(ns, name, rv, nil))
				case op < 87:
					var list []interface{}
					for j := range rnd.IntN(150) {
						list = append(list, newConfigMap(ns, fmt.Sprintf("cm-%d", j), rv, nil))
					}
					err = s.Replace(list, rv)
				case op < 88 && w == 0:
					c.RemoveShard(cluster, configMaps)
					s = c.Shard(cluster, configMaps, "ConfigMap", "")
				default:
					s.UpdateResourceVersion(rv)
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for r := range 4 {
		readers.Go(func() {
			queries := []Query{
				{}, {Namespace: "ns-1"}, {Name: "cm-7"}, {NamePrefix: "cm-1", Limit: 10},
				{Fuzzy: "c9"}, {Labels: sel}, {After: Key{"ns-2", "cm-5"}, Limit: 20},
				{Allow: func(ns string) bool { return ns != "ns-3" }},
			}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				s, ok := c.Lookup(clusters[(r+i)%len(clusters)], configMaps)
				if !ok {
					continue
				}
				got := s.Select(queries[i%len(queries)])
				if !slices.IsSortedFunc(keys(got), Key.Compare) {
					t.Error("Select result not sorted")
					return
				}
				_ = s.Complete()
				_ = s.ResourceVersion()
				_ = s.ListKeys()
				time.Sleep(100 * time.Microsecond) // leave the writers room under -race
			}
		})
	}
	writers.Wait()
	close(stop)
	readers.Wait()
	checkInvariants(t, c)
}
