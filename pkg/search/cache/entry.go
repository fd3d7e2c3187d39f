package cache

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
)

// Key names an object of a shard: its namespace ("" for a cluster-scoped object) and its
// name. Keys sort by namespace, then name; the zero Key sorts before every object.
type Key struct {
	Namespace string
	Name      string
}

// String returns the key in client-go's form: "namespace/name", or "name" when the
// namespace is empty.
func (k Key) String() string {
	if k.Namespace == "" {
		return k.Name
	}
	return k.Namespace + "/" + k.Name
}

// Compare returns -1, 0 or +1 as k sorts before, equal to or after o.
func (k Key) Compare(o Key) int {
	if c := strings.Compare(k.Namespace, o.Namespace); c != 0 {
		return c
	}
	return strings.Compare(k.Name, o.Name)
}

// packKey joins namespace and name with a NUL byte. Neither may contain NUL, and NUL is
// the smallest byte, so the byte order of packed keys is the (namespace, name) tuple
// order: one string comparison orders the index.
func packKey(namespace, name string) string {
	return namespace + "\x00" + name
}

// nextNamespace returns the smallest packed key after every key of namespace.
func nextNamespace(namespace string) string {
	return namespace + "\x01"
}

func unpackKey(key string) (namespace, name string) {
	i := strings.IndexByte(key, 0)
	return key[:i], key[i+1:]
}

// entry is one cached object, the unit of the LRU. It is immutable once stored: an
// update stores a new entry, so the slices handed out by Select never change under the
// caller.
type entry struct {
	shard  *Shard
	key    string // packKey(namespace, name)
	rv     string
	object []byte // JSON, managedFields stripped, source annotation set
}

// item is an entry in its shard's sorted index. The key and labels, on which queries
// filter, sit by value in the index's node arrays, so a scan reads them without
// dereferencing every entry: on 100,000 objects that halves the time of a full scan.
type item struct {
	key    string // the key of e
	labels labelSet
	sum    summary
	e      *entry
}

func (a item) less(b item) bool { return a.key < b.key }

func (e *entry) toEntry() Entry {
	ns, name := unpackKey(e.key)
	return Entry{Namespace: ns, Name: name, ResourceVersion: e.rv, Object: e.object}
}

// decode returns a fresh object decoded from the stored JSON.
func (e *entry) decode() (*unstructured.Unstructured, error) {
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(e.object); err != nil {
		return nil, fmt.Errorf("decoding cached object %q: %w", e.key, err)
	}
	return u, nil
}

// labelSet holds an object's labels in one string, "key\x00value\x00" per label, sorted by
// key: a fraction of the memory of a map, and cheap to scan for the few labels an
// object has. Label keys and values cannot contain NUL.
type labelSet string

var _ labels.Labels = labelSet("")

func newLabelSet(m map[string]interface{}) labelSet {
	return newItemFields("", "", m).labels
}

// newItemFields returns the index fields of an object from its namespace, name and
// metadata.labels. The key and the labelSet are two parts of one allocation: a scan
// reads both from one cache line instead of missing twice, and one allocation is
// smaller than two.
func newItemFields(namespace, name string, m map[string]interface{}) item {
	keys := slices.Sorted(maps.Keys(m))
	n := len(namespace) + 1 + len(name)
	size := n
	for _, k := range keys {
		v, _ := m[k].(string)
		size += len(k) + len(v) + 2
	}
	var b strings.Builder
	b.Grow(size)
	b.WriteString(namespace)
	b.WriteByte(0)
	b.WriteString(name)
	sum := nameSummary(name, false)
	for _, k := range keys {
		v, _ := m[k].(string)
		b.WriteString(k)
		b.WriteByte(0)
		b.WriteString(v)
		b.WriteByte(0)
		sum |= labelKeyBits(k) | labelPairBits(k, v)
	}
	s := b.String()
	return item{key: s[:n], labels: labelSet(s[n:]), sum: sum}
}

// Lookup implements labels.Labels.
func (l labelSet) Lookup(key string) (string, bool) {
	s := string(l)
	for s != "" {
		i := strings.IndexByte(s, 0)
		k := s[:i]
		s = s[i+1:]
		j := strings.IndexByte(s, 0)
		v := s[:j]
		s = s[j+1:]
		switch {
		case k == key:
			return v, true
		case k > key:
			return "", false
		}
	}
	return "", false
}

// Has implements labels.Labels.
func (l labelSet) Has(key string) bool {
	_, ok := l.Lookup(key)
	return ok
}

// Get implements labels.Labels.
func (l labelSet) Get(key string) string {
	v, _ := l.Lookup(key)
	return v
}

// errNoName is returned for an object without metadata.name: it has no key.
var errNoName = errors.New("object has no metadata.name")

// newItem builds the stored form of obj for shard s. It does not modify obj: the
// top-level and metadata maps are copied shallowly before managedFields is dropped and
// the annotation set. key is set whenever the object has a name, even on error, so the
// caller can mark the object as missing.
func (s *Shard) newItem(obj interface{}) (it item, key string, err error) {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return item{}, "", fmt.Errorf("cache shard %s: expected *unstructured.Unstructured, got %T", s, obj)
	}
	md, _ := u.Object["metadata"].(map[string]interface{})
	name, _ := md["name"].(string)
	if name == "" {
		return item{}, "", fmt.Errorf("cache shard %s: %w", s, errNoName)
	}
	namespace, _ := md["namespace"].(string)
	lbls, _ := md["labels"].(map[string]interface{})
	it = newItemFields(namespace, name, lbls)
	key = it.key
	rv, _ := md["resourceVersion"].(string)

	annotations := map[string]interface{}{}
	if old, ok := md["annotations"].(map[string]interface{}); ok {
		maps.Copy(annotations, old)
	}
	annotations[clusterv1alpha1.CacheSourceAnnotationKey] = s.cluster
	meta := maps.Clone(md)
	delete(meta, "managedFields")
	meta["annotations"] = annotations
	content := maps.Clone(u.Object)
	content["metadata"] = meta
	if _, ok := content["apiVersion"]; !ok {
		content["apiVersion"] = s.gvr.GroupVersion().String()
	}
	if _, ok := content["kind"]; !ok && s.kind != "" {
		content["kind"] = s.kind
	}
	data, err := json.Marshal(content)
	if err != nil {
		return item{}, key, fmt.Errorf("cache shard %s: encoding %s: %w", s, Key{namespace, name}, err)
	}
	it.e = &entry{shard: s, key: key, rv: rv, object: data}
	return it, key, nil
}
