package cache

import (
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	toolscache "k8s.io/client-go/tools/cache"
)

// A Shard is the store of a client-go reflector. Bookmarks reach it through
// UpdateResourceVersion (and Bookmark): cache.Store's Bookmark has no error result, so
// it cannot also be a ReflectorBookmarkStore. Objects must be *unstructured.Unstructured.
var (
	_ toolscache.Store                  = &Shard{}
	_ toolscache.ResourceVersionUpdater = &Shard{}
)

// Add stores obj, replacing the object of the same key.
func (s *Shard) Add(obj interface{}) error { return s.upsert(obj) }

// Update stores obj, replacing the object of the same key.
func (s *Shard) Update(obj interface{}) error { return s.upsert(obj) }

func (s *Shard) upsert(obj interface{}) error {
	it, key, err := s.newItem(obj) // encode outside the lock
	c := s.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	if s.removed {
		return err
	}
	if err != nil {
		if key != "" {
			// The member has it but the shard cannot hold it: it is missing.
			c.drop(s, key)
			s.missing[key] = struct{}{}
			c.publish(0)
		}
		return err
	}
	if it.e.rv != "" {
		s.rv = it.e.rv
	}
	c.publish(c.put(it))
	return nil
}

// Delete removes the object of obj's key, which may be a
// cache.DeletedFinalStateUnknown. A missing object of that key is no longer missing.
func (s *Shard) Delete(obj interface{}) error {
	if d, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		ns, name, err := toolscache.SplitMetaNamespaceKey(d.Key)
		if err != nil {
			return err
		}
		s.remove(packKey(ns, name), "")
		return nil
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return fmt.Errorf("cache shard %s: %w", s, err)
	}
	if m.GetName() == "" {
		return fmt.Errorf("cache shard %s: %w", s, errNoName)
	}
	s.remove(packKey(m.GetNamespace(), m.GetName()), m.GetResourceVersion())
	return nil
}

func (s *Shard) remove(key, rv string) {
	c := s.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	if s.removed {
		return
	}
	if rv != "" {
		s.rv = rv
	}
	c.drop(s, key)
	c.publish(0)
}

// Replace resets the shard to list, as of resourceVersion: objects not in list are
// dropped and no object is missing any more, except those evicted while storing list
// or that cannot be stored. The shard is synced afterwards. It returns the errors of the
// objects it could not store.
func (s *Shard) Replace(list []interface{}, resourceVersion string) error {
	items := make([]item, 0, len(list))
	var unstorable []string
	var errs []error
	for _, obj := range list {
		it, key, err := s.newItem(obj)
		if err != nil {
			if key != "" {
				unstorable = append(unstorable, key)
			}
			errs = append(errs, err)
			continue
		}
		items = append(items, it)
	}
	c := s.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	if s.removed {
		return errors.Join(errs...)
	}
	c.clear(s)
	evicted := 0
	for _, it := range items {
		evicted += c.put(it)
	}
	for _, key := range unstorable {
		s.missing[key] = struct{}{}
	}
	s.synced = true
	if resourceVersion != "" {
		s.rv = resourceVersion
	}
	c.publish(evicted)
	return errors.Join(errs...)
}

// Resync does nothing: a shard has no downstream to resync.
func (s *Shard) Resync() error { return nil }

// UpdateResourceVersion records the resource version the reflector has reached
// (client-go's ResourceVersionUpdater, called after events and bookmarks).
func (s *Shard) UpdateResourceVersion(resourceVersion string) {
	s.Bookmark(resourceVersion)
}

// Bookmark records the resource version of a bookmark.
func (s *Shard) Bookmark(resourceVersion string) {
	if resourceVersion == "" {
		return
	}
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	s.rv = resourceVersion
}

// LastStoreSyncResourceVersion returns the latest resource version the shard has seen,
// like ResourceVersion.
func (s *Shard) LastStoreSyncResourceVersion() string { return s.ResourceVersion() }

// List decodes every object of the shard. It is for client-go's generic callers; the
// search uses Select, which does not decode.
func (s *Shard) List() []interface{} {
	entries := s.all()
	out := make([]interface{}, 0, len(entries))
	for _, e := range entries {
		if u, err := e.decode(); err == nil {
			out = append(out, u)
		}
	}
	return out
}

// ListKeys returns the keys of the shard's objects in client-go's "namespace/name" form.
func (s *Shard) ListKeys() []string {
	entries := s.all()
	keys := make([]string, len(entries))
	for i, e := range entries {
		ns, name := unpackKey(e.key)
		keys[i] = Key{Namespace: ns, Name: name}.String()
	}
	return keys
}

func (s *Shard) all() []*entry {
	s.cache.mu.RLock()
	defer s.cache.mu.RUnlock()
	entries := make([]*entry, 0, s.tree.Len())
	s.tree.Ascend(func(it item) bool {
		entries = append(entries, it.e)
		return true
	})
	return entries
}

// Get returns the decoded object of obj's key.
func (s *Shard) Get(obj interface{}) (object interface{}, exists bool, err error) {
	key, err := toolscache.MetaNamespaceKeyFunc(obj)
	if err != nil {
		return nil, false, err
	}
	return s.GetByKey(key)
}

// GetByKey returns the decoded object of a "namespace/name" (or "name") key.
func (s *Shard) GetByKey(key string) (object interface{}, exists bool, err error) {
	ns, name, err := toolscache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil, false, err
	}
	s.cache.mu.RLock()
	it, ok := s.tree.Get(item{key: packKey(ns, name)})
	s.cache.mu.RUnlock()
	if !ok {
		return nil, false, nil
	}
	u, err := it.e.decode()
	if err != nil {
		return nil, false, err
	}
	return u, true, nil
}
