package unifiedauth

import (
	"fmt"
	"slices"
	"sync"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/informers"
	rbaclisters "k8s.io/client-go/listers/rbac/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/fleetplane/fleetplane/pkg/auth/proxygrants"
)

// GroupFilter tells, for a cluster, which of a caller's groups the cluster's
// impersonator may impersonate, from informers on the control plane's ClusterRoles
// and ClusterRoleBindings. It needs no leader: every proxy replica builds its own.
// The answers are cached per cluster and dropped on any RBAC change. It is safe for
// concurrent use.
type GroupFilter struct {
	roles    rbaclisters.ClusterRoleLister
	bindings rbaclisters.ClusterRoleBindingLister
	synced   []cache.InformerSynced

	mu         sync.Mutex
	generation uint64
	byCluster  map[string]sets.Set[string]
}

// NewGroupFilter registers ClusterRole and ClusterRoleBinding informers with factory,
// which must be a cluster-wide factory of the control plane; the caller starts it.
// Pass AllowedGroups to the proxy as its proxy.GroupFilter.
func NewGroupFilter(factory informers.SharedInformerFactory) (*GroupFilter, error) {
	roles := factory.Rbac().V1().ClusterRoles()
	bindings := factory.Rbac().V1().ClusterRoleBindings()
	f := &GroupFilter{
		roles:     roles.Lister(),
		bindings:  bindings.Lister(),
		byCluster: map[string]sets.Set[string]{},
	}
	invalidate := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { f.invalidate() },
		UpdateFunc: func(any, any) { f.invalidate() },
		DeleteFunc: func(any) { f.invalidate() },
	}
	for _, inf := range []cache.SharedIndexInformer{roles.Informer(), bindings.Informer()} {
		if _, err := inf.AddEventHandler(invalidate); err != nil {
			return nil, fmt.Errorf("watching RBAC for the group filter: %w", err)
		}
		// Answers read the informers' stores, so the stores' sync is what counts;
		// the handlers only drop cached answers.
		f.synced = append(f.synced, inf.HasSynced)
	}
	return f, nil
}

// AllowedGroups keeps, in order, the groups the impersonator of cluster may
// impersonate. system:masters never passes. Until the informers have synced only
// system:masters is dropped, and the member's own checks decide.
func (f *GroupFilter) AllowedGroups(cluster string, groups []string) []string {
	if len(groups) == 0 {
		return groups
	}
	allowed, ok := f.allowed(cluster)
	out := make([]string, 0, len(groups))
	for _, g := range groups {
		if g == proxygrants.MastersGroup || (ok && !allowed.Has(g)) {
			continue
		}
		out = append(out, g)
	}
	return out
}

// allowed returns the impersonable groups of a cluster, and false when the
// informers have not synced yet.
func (f *GroupFilter) allowed(cluster string) (sets.Set[string], bool) {
	if slices.ContainsFunc(f.synced, func(synced cache.InformerSynced) bool { return !synced() }) {
		return nil, false
	}
	f.mu.Lock()
	set, ok := f.byCluster[cluster]
	gen := f.generation
	f.mu.Unlock()
	if ok {
		return set, true
	}
	set, err := f.compute(cluster)
	if err != nil {
		return nil, false
	}
	f.mu.Lock()
	// An RBAC change during the computation may have made it stale; the informer
	// updates its store before it calls the handler, so a change seen before gen
	// was read is already in set.
	if f.generation == gen {
		f.byCluster[cluster] = set
	}
	f.mu.Unlock()
	return set, true
}

func (f *GroupFilter) compute(cluster string) (sets.Set[string], error) {
	roles, err := f.roles.List(labels.Everything())
	if err != nil {
		return nil, err
	}
	bindings, err := f.bindings.List(labels.Everything())
	if err != nil {
		return nil, err
	}
	return sets.New(proxygrants.ForCluster(cluster, roles, bindings).ImpersonableGroups()...), nil
}

func (f *GroupFilter) invalidate() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.generation++
	clear(f.byCluster)
}
