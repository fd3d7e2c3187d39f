package cache

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	toolscache "k8s.io/client-go/tools/cache"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
)

func TestStoreAddUpdateDelete(t *testing.T) {
	c := New(Options{MaxObjects: 100, MaxBytes: 1 << 20})
	s := c.Shard("member1", configMaps, "ConfigMap", "")

	mustAdd(t, s, newConfigMap("default", "a", "10", nil), newConfigMap("default", "b", "11", nil))
	if err := s.Update(newConfigMap("default", "a", "12", map[string]string{"app": "x"})); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(newConfigMap("kube-system", "c", "13", nil)); err != nil { // update of an unknown key adds it
		t.Fatal(err)
	}
	if err := s.Delete(newConfigMap("default", "b", "14", nil)); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(toolscache.DeletedFinalStateUnknown{Key: "kube-system/c"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(newConfigMap("default", "never-added", "", nil)); err != nil {
		t.Fatal(err)
	}

	if diff := cmp.Diff([]string{"default/a"}, s.ListKeys()); diff != "" {
		t.Errorf("ListKeys (-want +got):\n%s", diff)
	}
	got := s.Select(Query{})
	if len(got) != 1 || got[0].ResourceVersion != "12" {
		t.Fatalf("Select = %+v, want default/a at 12", got)
	}
	if rv := s.ResourceVersion(); rv != "14" {
		t.Errorf("ResourceVersion = %q, want 14 (of the last delete)", rv)
	}
	if s.Complete() {
		t.Error("Complete before the initial Replace")
	}
	checkInvariants(t, c)
}

func TestStoredObject(t *testing.T) {
	c := New(Options{MaxObjects: 10, MaxBytes: 1 << 20})
	s := c.Shard("member2", configMaps, "ConfigMap", "")
	in := newConfigMap("default", "a", "7", map[string]string{"app": "web"})
	in.SetAnnotations(map[string]string{"note": "kept"})
	delete(in.Object, "kind") // as list items may come
	before := in.DeepCopy()
	mustAdd(t, s, in)

	if diff := cmp.Diff(before.Object, in.Object); diff != "" {
		t.Errorf("Add modified its argument (-before +after):\n%s", diff)
	}
	item, ok, err := s.GetByKey("default/a")
	if err != nil || !ok {
		t.Fatalf("GetByKey = %v, %v", ok, err)
	}
	got := item.(*unstructured.Unstructured)
	if mf := got.GetManagedFields(); len(mf) != 0 {
		t.Errorf("managedFields kept: %v", mf)
	}
	wantAnn := map[string]string{"note": "kept", clusterv1alpha1.CacheSourceAnnotationKey: "member2"}
	if diff := cmp.Diff(wantAnn, got.GetAnnotations()); diff != "" {
		t.Errorf("annotations (-want +got):\n%s", diff)
	}
	if got.GetKind() != "ConfigMap" || got.GetAPIVersion() != "v1" {
		t.Errorf("kind/apiVersion = %q/%q, want ConfigMap/v1", got.GetKind(), got.GetAPIVersion())
	}
	if diff := cmp.Diff(map[string]string{"app": "web"}, got.GetLabels()); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}

	// Select hands out the same JSON.
	entries := s.Select(Query{Name: "a"})
	var fromSelect map[string]interface{}
	if err := json.Unmarshal(entries[0].Object, &fromSelect); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got.Object, fromSelect); diff != "" {
		t.Errorf("Select JSON differs from GetByKey (-get +select):\n%s", diff)
	}

	if _, ok, _ := s.Get(newConfigMap("default", "a", "", nil)); !ok {
		t.Error("Get by object found nothing")
	}
	if _, ok, _ := s.GetByKey("default/zzz"); ok {
		t.Error("GetByKey of an unknown key found something")
	}
	if n := len(s.List()); n != 1 {
		t.Errorf("List has %d objects, want 1", n)
	}
}

func TestStoreReplace(t *testing.T) {
	c := New(Options{MaxObjects: 100, MaxBytes: 1 << 20})
	s := c.Shard("member1", configMaps, "ConfigMap", "")
	other := c.Shard("member2", configMaps, "ConfigMap", "")
	mustAdd(t, s, newConfigMap("default", "old", "1", nil))
	mustAdd(t, other, newConfigMap("default", "other", "1", nil))

	list := []interface{}{
		newConfigMap("ns2", "b", "5", nil),
		newConfigMap("ns1", "a", "4", nil),
		newConfigMap("ns1", "a", "6", nil), // a duplicate: the later one wins
	}
	if err := s.Replace(list, "100"); err != nil {
		t.Fatal(err)
	}
	got := s.Select(Query{})
	want := []Key{{"ns1", "a"}, {"ns2", "b"}}
	if diff := cmp.Diff(want, keys(got)); diff != "" {
		t.Errorf("after Replace (-want +got):\n%s", diff)
	}
	if got[0].ResourceVersion != "6" {
		t.Errorf("duplicate: rv %q, want 6", got[0].ResourceVersion)
	}
	if !s.Complete() || s.ResourceVersion() != "100" {
		t.Errorf("Complete = %v, ResourceVersion = %q; want true, 100", s.Complete(), s.ResourceVersion())
	}
	if other.Len() != 1 {
		t.Errorf("Replace touched another shard: it holds %d objects", other.Len())
	}
	checkInvariants(t, c)
}

func TestStoreErrors(t *testing.T) {
	c := New(Options{MaxObjects: 10, MaxBytes: 1 << 20})
	s := c.Shard("member1", configMaps, "ConfigMap", "")
	if err := s.Replace(nil, "1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Add("not an object"); err == nil {
		t.Error("Add of a string: no error")
	}
	noName := newConfigMap("default", "", "1", nil)
	if err := s.Add(noName); !errors.Is(err, errNoName) {
		t.Errorf("Add without a name: %v, want errNoName", err)
	}
	// An object the shard cannot encode is missing: the shard is no longer complete.
	bad := newConfigMap("default", "bad", "2", nil)
	bad.Object["data"] = map[string]interface{}{"x": make(chan int)}
	if err := s.Add(bad); err == nil {
		t.Error("Add of an unencodable object: no error")
	}
	if s.Complete() {
		t.Error("Complete with an object it could not store")
	}
	if err := s.Delete(newConfigMap("default", "bad", "3", nil)); err != nil {
		t.Fatal(err)
	}
	if !s.Complete() {
		t.Error("not Complete after the unstorable object was deleted")
	}
	if err := s.Replace([]interface{}{bad, newConfigMap("default", "ok", "4", nil)}, "5"); err == nil {
		t.Error("Replace with an unencodable object: no error")
	}
	if s.Complete() || s.Len() != 1 {
		t.Errorf("after Replace with an unstorable object: Complete %v, Len %d; want false, 1", s.Complete(), s.Len())
	}
	checkInvariants(t, c)
}

func TestRemoveShard(t *testing.T) {
	c := New(Options{MaxObjects: 10, MaxBytes: 1 << 20})
	s := c.Shard("member1", configMaps, "ConfigMap", "team-a")
	if again := c.Shard("member1", configMaps, "ConfigMap", "team-a"); again != s {
		t.Error("Shard created a second shard for the same cluster and type")
	}
	if err := s.Replace([]interface{}{newConfigMap("team-a", "a", "1", nil)}, "1"); err != nil {
		t.Fatal(err)
	}
	if got, ok := c.Lookup("member1", configMaps); !ok || got != s {
		t.Fatalf("Lookup = %v, %v", got, ok)
	}
	evictions := counterValue(t, evictionsTotal)
	c.RemoveShard("member1", configMaps)
	if _, ok := c.Lookup("member1", configMaps); ok {
		t.Error("Lookup found a removed shard")
	}
	if c.Len() != 0 || c.Bytes() != 0 {
		t.Errorf("after RemoveShard: %d objects, %d bytes", c.Len(), c.Bytes())
	}
	if d := counterValue(t, evictionsTotal) - evictions; d != 0 {
		t.Errorf("RemoveShard counted %v evictions", d)
	}
	// The reflector of a removed shard may still write: nothing lands in the cache.
	mustAdd(t, s, newConfigMap("team-a", "b", "2", nil))
	if err := s.Replace([]interface{}{newConfigMap("team-a", "c", "3", nil)}, "3"); err != nil {
		t.Fatal(err)
	}
	if c.Len() != 0 || s.Complete() || s.Select(Query{}) != nil {
		t.Errorf("a removed shard took writes: cache holds %d objects", c.Len())
	}
	c.RemoveShard("member1", configMaps) // again: no-op
	checkInvariants(t, c)
}

func TestCovers(t *testing.T) {
	c := New(Options{})
	all := c.Shard("m", configMaps, "ConfigMap", "")
	one := c.Shard("n", configMaps, "ConfigMap", "team-a")
	tests := []struct {
		name      string
		shard     *Shard
		namespace string
		want      bool
	}{
		{"all namespaces covers a namespace", all, "team-a", true},
		{"all namespaces covers all", all, "", true},
		{"namespaced covers its own", one, "team-a", true},
		{"namespaced does not cover another", one, "team-b", false},
		{"namespaced does not cover all", one, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.shard.Covers(tt.namespace); got != tt.want {
				t.Errorf("Covers(%q) = %v, want %v", tt.namespace, got, tt.want)
			}
		})
	}
	if one.Kind() != "ConfigMap" || one.Namespace() != "team-a" || one.Cluster() != "n" || one.GroupVersionResource() != configMaps {
		t.Error("shard accessors do not return what Shard was given")
	}
}
