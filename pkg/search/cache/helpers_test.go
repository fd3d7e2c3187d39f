package cache

import (
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var configMaps = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}

// newConfigMap returns a small ConfigMap as a member's API server would serve it,
// managedFields included.
func newConfigMap(namespace, name, rv string, labels map[string]string) *unstructured.Unstructured {
	lbls := map[string]interface{}{}
	for k, v := range labels {
		lbls[k] = v
	}
	md := map[string]interface{}{
		"name":              name,
		"uid":               fmt.Sprintf("0d9c1a4e-6f3b-4c2a-9e7d-%012d", len(name)),
		"resourceVersion":   rv,
		"creationTimestamp": "2026-01-02T03:04:05Z",
		"managedFields": []interface{}{map[string]interface{}{
			"manager":    "kubectl-create",
			"operation":  "Update",
			"apiVersion": "v1",
			"time":       "2026-01-02T03:04:05Z",
			"fieldsType": "FieldsV1",
			"fieldsV1":   map[string]interface{}{"f:data": map[string]interface{}{".": map[string]interface{}{}, "f:a": map[string]interface{}{}, "f:b": map[string]interface{}{}}},
		}},
	}
	if namespace != "" {
		md["namespace"] = namespace
	}
	if len(lbls) > 0 {
		md["labels"] = lbls
	}
	return &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "v1",
		"kind":       "ConfigMap",
		"metadata":   md,
		"data":       map[string]interface{}{"a": "1", "b": "two"},
	}}
}

// checkInvariants verifies the bookkeeping of c: the LRU, the trees and the byte count
// agree, and the bounds hold.
func checkInvariants(t *testing.T, c *Cache) {
	t.Helper()
	c.mu.RLock()
	defer c.mu.RUnlock()
	n, bytes := 0, int64(0)
	for _, s := range c.shards {
		s.tree.Ascend(func(it item) bool {
			e := it.e
			if it.key != e.key {
				t.Errorf("item %q holds entry %q", it.key, e.key)
			}
			n++
			bytes += int64(len(e.object))
			if !c.lru.Contains(e) {
				t.Errorf("entry %q of shard %s is not in the LRU", e.key, s)
			}
			if _, ok := s.missing[e.key]; ok {
				t.Errorf("entry %q of shard %s is both held and missing", e.key, s)
			}
			return true
		})
	}
	if n != c.lru.Len() {
		t.Errorf("shards hold %d entries, LRU %d", n, c.lru.Len())
	}
	if bytes != c.bytes {
		t.Errorf("shards hold %d bytes, count is %d", bytes, c.bytes)
	}
	if n > c.opts.MaxObjects || bytes > c.opts.MaxBytes {
		t.Errorf("bounds exceeded: %d objects (max %d), %d bytes (max %d)", n, c.opts.MaxObjects, bytes, c.opts.MaxBytes)
	}
}

func keys(entries []Entry) []Key {
	out := make([]Key, len(entries))
	for i, e := range entries {
		out[i] = e.Key()
	}
	return out
}

func mustAdd(t testing.TB, s *Shard, objs ...*unstructured.Unstructured) {
	t.Helper()
	for _, o := range objs {
		if err := s.Add(o); err != nil {
			t.Fatalf("Add(%s): %v", o.GetName(), err)
		}
	}
}
