package cache

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestEvictionByCount(t *testing.T) {
	tests := []struct {
		name    string
		recover func(t *testing.T, s1, s2 *Shard)
	}{
		{"evicted key deleted", func(t *testing.T, s1, _ *Shard) {
			if err := s1.Delete(newConfigMap("ns", "a", "20", nil)); err != nil {
				t.Fatal(err)
			}
		}},
		{"evicted key added again", func(t *testing.T, s1, s2 *Shard) {
			if err := s2.Delete(newConfigMap("ns", "c", "20", nil)); err != nil { // make room
				t.Fatal(err)
			}
			mustAdd(t, s1, newConfigMap("ns", "a", "21", nil))
		}},
		{"shard relisted", func(t *testing.T, s1, _ *Shard) {
			list := []interface{}{newConfigMap("ns", "a", "22", nil), newConfigMap("ns", "b", "22", nil)}
			if err := s1.Replace(list, "22"); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(Options{MaxObjects: 4, MaxBytes: 1 << 20})
			s1 := c.Shard("member1", configMaps, "ConfigMap", "")
			s2 := c.Shard("member2", configMaps, "ConfigMap", "")
			if err := s1.Replace([]interface{}{newConfigMap("ns", "a", "1", nil), newConfigMap("ns", "b", "1", nil)}, "1"); err != nil {
				t.Fatal(err)
			}
			if err := s2.Replace(nil, "1"); err != nil {
				t.Fatal(err)
			}
			evictions := counterValue(t, evictionsTotal)
			mustAdd(t, s2, newConfigMap("ns", "c", "2", nil), newConfigMap("ns", "d", "3", nil))
			if !s1.Complete() {
				t.Fatal("s1 incomplete before any eviction")
			}
			mustAdd(t, s2, newConfigMap("ns", "e", "4", nil)) // evicts s1's a, the oldest

			if s1.Complete() || s1.Missing() != 1 {
				t.Errorf("after eviction: Complete %v, Missing %d; want false, 1", s1.Complete(), s1.Missing())
			}
			if !s2.Complete() {
				t.Error("s2 lost nothing but is incomplete")
			}
			if diff := cmp.Diff([]Key{{"ns", "b"}}, keys(s1.Select(Query{}))); diff != "" {
				t.Errorf("s1 after eviction (-want +got):\n%s", diff)
			}
			if d := counterValue(t, evictionsTotal) - evictions; d != 1 {
				t.Errorf("evictions counted: %v, want 1", d)
			}
			checkInvariants(t, c)

			tt.recover(t, s1, s2)
			if !s1.Complete() {
				t.Errorf("s1 still incomplete; %d missing", s1.Missing())
			}
			checkInvariants(t, c)
		})
	}
}

func TestUpdateDoesNotEvict(t *testing.T) {
	c := New(Options{MaxObjects: 2, MaxBytes: 1 << 20})
	s := c.Shard("member1", configMaps, "ConfigMap", "")
	if err := s.Replace([]interface{}{newConfigMap("ns", "a", "1", nil), newConfigMap("ns", "b", "1", nil)}, "1"); err != nil {
		t.Fatal(err)
	}
	before := c.Bytes()
	bigger := newConfigMap("ns", "a", "2", map[string]string{"grown": "yes"})
	if err := s.Update(bigger); err != nil {
		t.Fatal(err)
	}
	if !s.Complete() || s.Len() != 2 {
		t.Errorf("update of a full cache: Complete %v, Len %d", s.Complete(), s.Len())
	}
	if c.Bytes() <= before {
		t.Errorf("bytes did not grow with the update: %d -> %d", before, c.Bytes())
	}
	// a is now the most recent: the next add evicts b.
	mustAdd(t, s, newConfigMap("ns", "c", "3", nil))
	if diff := cmp.Diff([]Key{{"ns", "a"}, {"ns", "c"}}, keys(s.Select(Query{}))); diff != "" {
		t.Errorf("after add (-want +got):\n%s", diff)
	}
	checkInvariants(t, c)
}

func TestEvictionByBytes(t *testing.T) {
	probe := New(Options{})
	ps := probe.Shard("member1", configMaps, "ConfigMap", "")
	mustAdd(t, ps, newConfigMap("ns", "cm-0", "1", nil))
	size := probe.Bytes() // every cm-N of the same length has this size

	c := New(Options{MaxObjects: 100, MaxBytes: 3*size + size/2})
	s := c.Shard("member1", configMaps, "ConfigMap", "")
	if err := s.Replace(nil, "1"); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		mustAdd(t, s, newConfigMap("ns", fmt.Sprintf("cm-%d", i), "1", nil))
	}
	if diff := cmp.Diff([]Key{{"ns", "cm-2"}, {"ns", "cm-3"}, {"ns", "cm-4"}}, keys(s.Select(Query{}))); diff != "" {
		t.Errorf("held (-want +got):\n%s", diff)
	}
	if c.Bytes() != 3*size || s.Missing() != 2 {
		t.Errorf("Bytes %d (want %d), Missing %d (want 2)", c.Bytes(), 3*size, s.Missing())
	}
	checkInvariants(t, c)

	// An object larger than the whole budget evicts everything, itself included.
	huge := newConfigMap("ns", "huge", "2", nil)
	huge.Object["data"] = map[string]interface{}{"blob": string(make([]byte, 4*size))}
	mustAdd(t, s, huge)
	if c.Len() != 0 || s.Missing() != 6 {
		t.Errorf("after a huge object: Len %d, Missing %d; want 0, 6", c.Len(), s.Missing())
	}
	checkInvariants(t, c)
}

func TestReplaceLargerThanCache(t *testing.T) {
	c := New(Options{MaxObjects: 4, MaxBytes: 1 << 20})
	s := c.Shard("member1", configMaps, "ConfigMap", "")
	evictions := counterValue(t, evictionsTotal)
	var list []interface{}
	for i := range 10 {
		list = append(list, newConfigMap("ns", fmt.Sprintf("cm-%d", i), "1", nil))
	}
	if err := s.Replace(list, "1"); err != nil {
		t.Fatal(err)
	}
	if s.Complete() || s.Len() != 4 || s.Missing() != 6 {
		t.Errorf("Complete %v, Len %d, Missing %d; want false, 4, 6", s.Complete(), s.Len(), s.Missing())
	}
	if d := counterValue(t, evictionsTotal) - evictions; d != 6 {
		t.Errorf("evictions counted: %v, want 6", d)
	}
	// A smaller relist fits: complete again, nothing evicted.
	if err := s.Replace(list[:3], "2"); err != nil {
		t.Fatal(err)
	}
	if !s.Complete() || s.Len() != 3 {
		t.Errorf("after a relist that fits: Complete %v, Len %d", s.Complete(), s.Len())
	}
	checkInvariants(t, c)
}
