package collector

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/fleetplane/fleetplane/internal/membertest"
	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	searchv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/search/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/search/cache"
)

// registries is a fake Registries.
type registries struct {
	mu      sync.Mutex
	items   []searchv1alpha1.ResourceRegistry
	updates int
}

func (r *registries) ListRegistries(context.Context) ([]searchv1alpha1.ResourceRegistry, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]searchv1alpha1.ResourceRegistry, len(r.items))
	for i := range r.items {
		r.items[i].DeepCopyInto(&out[i])
	}
	return out, nil
}

func (r *registries) UpdateStatus(_ context.Context, in *searchv1alpha1.ResourceRegistry) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.items {
		if r.items[i].Name == in.Name {
			in.Status.DeepCopyInto(&r.items[i].Status)
			r.updates++
			return nil
		}
	}
	return fmt.Errorf("no registry %s", in.Name)
}

func (r *registries) set(items ...searchv1alpha1.ResourceRegistry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.items = items
}

func (r *registries) ready(name string) *metav1.Condition {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.items {
		if r.items[i].Name == name {
			if c := apimeta.FindStatusCondition(r.items[i].Status.Conditions, ConditionReady); c != nil {
				return c.DeepCopy()
			}
		}
	}
	return nil
}

// credentials points every cluster at its fake member.
type credentials struct {
	fleet *membertest.Fleet
	mu    sync.Mutex
	// fingerprint is what Config returns as the credentials' fingerprint.
	fingerprint string
}

func (c *credentials) Config(_ context.Context, cl *clusterv1alpha1.Cluster) (*rest.Config, string, error) {
	m := c.fleet.Member(cl.Name)
	if m == nil {
		return nil, "", fmt.Errorf("no credentials for cluster %s", cl.Name)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return &rest.Config{Host: m.Server.URL}, c.fingerprint, nil
}

func registry(name string, target searchv1alpha1.ClusterAffinity, selectors ...searchv1alpha1.ResourceSelector) searchv1alpha1.ResourceRegistry {
	return searchv1alpha1.ResourceRegistry{
		ObjectMeta: metav1.ObjectMeta{Name: name, Generation: 1},
		Spec:       searchv1alpha1.ResourceRegistrySpec{TargetCluster: target, ResourceSelectors: selectors},
	}
}

var configMapSelector = searchv1alpha1.ResourceSelector{APIVersion: "v1", Kind: "ConfigMap"}

type fixture struct {
	fleet *membertest.Fleet
	regs  *registries
	creds *credentials
	c     *Collector
	ctx   context.Context
}

// newFixture starts member1 (env=prod), member2 (env=dev) and member3
// (env=prod) with a few ConfigMaps each, and a collector over them.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := membertest.NewFleet(t)
	for i, env := range []string{"prod", "dev", "prod"} {
		name := fmt.Sprintf("member%d", i+1)
		m := membertest.NewMember(t, name, int64(100*(i+1)))
		for j := range i + 2 {
			m.Add([]string{"team-a", "team-b"}[j%2], fmt.Sprintf("cm-%d", j), nil)
		}
		f.Add(membertest.Cluster(name, map[string]string{"env": env}, metav1.ConditionTrue, ""), m)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel) // before the members close: the reflectors' watches end first
	fx := &fixture{fleet: f, regs: &registries{}, creds: &credentials{fleet: f, fingerprint: "1"}, ctx: ctx}
	fx.c = &Collector{
		Cache:       cache.New(cache.Options{}),
		Registries:  fx.regs,
		Clusters:    f,
		Credentials: fx.creds,
		Interval:    time.Hour,
		running:     map[shardID]*reflector{},
		members:     map[string]*member{},
	}
	return fx
}

// syncUntil syncs until cond holds.
func (fx *fixture) syncUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if err := fx.c.sync(fx.ctx); err != nil {
			t.Fatal(err)
		}
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after 20s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (fx *fixture) isReady(name string) bool {
	c := fx.regs.ready(name)
	return c != nil && c.Status == metav1.ConditionTrue
}

func (fx *fixture) shards() []string {
	var out []string
	for id, r := range fx.c.running {
		out = append(out, id.cluster+"/"+id.gvr.Resource+"@"+r.spec.namespace)
	}
	slices.Sort(out)
	return out
}

func TestSyncStartsShardsOfMatchingClusters(t *testing.T) {
	fx := newFixture(t)
	fx.regs.set(
		// env=prod is member1 and member3; member3 is excluded.
		registry("prod", searchv1alpha1.ClusterAffinity{
			LabelSelector:   &metav1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}},
			ExcludeClusters: []string{"member3"},
		}, configMapSelector),
		registry("named", searchv1alpha1.ClusterAffinity{ClusterNames: []string{"member2"}},
			searchv1alpha1.ResourceSelector{APIVersion: "v1", Kind: "ConfigMap", Namespace: "team-a"}),
	)
	fx.syncUntil(t, "registries Ready", func() bool { return fx.isReady("prod") && fx.isReady("named") })

	if diff := cmp.Diff([]string{"member1/configmaps@", "member2/configmaps@team-a"}, fx.shards()); diff != "" {
		t.Errorf("running shards (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		cluster, namespace string
		objects            int
	}{{"member1", "", 2}, {"member2", "team-a", 2}} {
		s, ok := fx.c.Cache.Lookup(tc.cluster, membertest.ConfigMaps)
		if !ok {
			t.Fatalf("no shard of %s", tc.cluster)
		}
		if !s.Complete() || s.Namespace() != tc.namespace || s.Kind() != "ConfigMap" || s.ResourceVersion() != fx.fleet.Member(tc.cluster).RV() {
			t.Errorf("shard %s: complete %v, namespace %q, kind %q, rv %q", s, s.Complete(), s.Namespace(), s.Kind(), s.ResourceVersion())
		}
	}
	if s, _ := fx.c.Cache.Lookup("member1", membertest.ConfigMaps); s.Len() != 2 {
		t.Errorf("member1's shard holds %d objects, want 2", s.Len())
	}
	if _, ok := fx.c.Cache.Lookup("member3", membertest.ConfigMaps); ok {
		t.Error("the excluded member3 has a shard")
	}
	c := fx.regs.ready("prod")
	if c.Reason != "Synced" || c.ObservedGeneration != 1 {
		t.Errorf("Ready condition %+v", c)
	}

	// The reflector keeps the shard up to date.
	fx.fleet.Member("member1").Add("team-c", "new", nil)
	s, _ := fx.c.Cache.Lookup("member1", membertest.ConfigMaps)
	fx.syncUntil(t, "the new object in the shard", func() bool { return s.Len() == 3 })

	// A sync with nothing changed writes no status and restarts nothing.
	updates := fx.regs.updates
	running := maps.Clone(fx.c.running)
	if err := fx.c.sync(fx.ctx); err != nil {
		t.Fatal(err)
	}
	if fx.regs.updates != updates {
		t.Errorf("a sync without changes wrote %d statuses", fx.regs.updates-updates)
	}
	for id, r := range running {
		if fx.c.running[id] != r {
			t.Errorf("the reflector of %v was restarted", id)
		}
	}
}

func TestUnservedKindIsAProblem(t *testing.T) {
	fx := newFixture(t)
	fx.regs.set(registry("apps", searchv1alpha1.ClusterAffinity{ClusterNames: []string{"member1"}},
		configMapSelector, searchv1alpha1.ResourceSelector{APIVersion: "apps/v1", Kind: "Deployment"}))
	if err := fx.c.sync(fx.ctx); err != nil {
		t.Fatal(err)
	}
	c := fx.regs.ready("apps")
	if c == nil || c.Status != metav1.ConditionFalse || c.Reason != "ResourceUnavailable" {
		t.Fatalf("Ready condition %+v, want False ResourceUnavailable", c)
	}
	for _, want := range []string{"member1", "apps/v1", "Deployment"} {
		if !strings.Contains(c.Message, want) {
			t.Errorf("message %q does not name %s", c.Message, want)
		}
	}
	// What the member does serve is cached all the same.
	if diff := cmp.Diff([]string{"member1/configmaps@"}, fx.shards()); diff != "" {
		t.Errorf("running shards (-want +got):\n%s", diff)
	}

	// A registry whose target cannot be parsed says so.
	fx.regs.set(registry("bad", searchv1alpha1.ClusterAffinity{LabelSelector: &metav1.LabelSelector{
		MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "env", Operator: "Sometimes"}}}}, configMapSelector))
	if err := fx.c.sync(fx.ctx); err != nil {
		t.Fatal(err)
	}
	if c := fx.regs.ready("bad"); c == nil || c.Status != metav1.ConditionFalse || c.Reason != "ResourceUnavailable" || !strings.Contains(c.Message, "targetCluster") {
		t.Errorf("Ready condition %+v", c)
	}
	if n := len(fx.c.running); n != 0 {
		t.Errorf("%d shards run for registries that ask for none", n)
	}
}

func TestUnreachableClusterIsAProblem(t *testing.T) {
	fx := newFixture(t)
	fx.fleet.Add(membertest.Cluster("member4", nil, metav1.ConditionTrue, ""), nil)
	fx.regs.set(registry("all", searchv1alpha1.ClusterAffinity{ClusterNames: []string{"member1", "member4"}}, configMapSelector))
	if err := fx.c.sync(fx.ctx); err != nil {
		t.Fatal(err)
	}
	c := fx.regs.ready("all")
	if c == nil || c.Status != metav1.ConditionFalse || !strings.Contains(c.Message, "member4") {
		t.Errorf("Ready condition %+v, want False naming member4", c)
	}
	if diff := cmp.Diff([]string{"member1/configmaps@"}, fx.shards()); diff != "" {
		t.Errorf("running shards (-want +got):\n%s", diff)
	}
}

func TestDeletedRegistryStopsShards(t *testing.T) {
	fx := newFixture(t)
	fx.regs.set(
		registry("one", searchv1alpha1.ClusterAffinity{ClusterNames: []string{"member1"}}, configMapSelector),
		registry("two", searchv1alpha1.ClusterAffinity{ClusterNames: []string{"member2"}}, configMapSelector),
	)
	fx.syncUntil(t, "registries Ready", func() bool { return fx.isReady("one") && fx.isReady("two") })
	s1, _ := fx.c.Cache.Lookup("member1", membertest.ConfigMaps)
	m1 := fx.fleet.Member("member1")
	if m1.Watchers() != 1 {
		t.Errorf("member1 has %d watches, want 1", m1.Watchers())
	}

	fx.regs.set(registry("two", searchv1alpha1.ClusterAffinity{ClusterNames: []string{"member2"}}, configMapSelector))
	if err := fx.c.sync(fx.ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := fx.c.Cache.Lookup("member1", membertest.ConfigMaps); ok {
		t.Error("member1's shard outlives its registry")
	}
	if s1.Complete() || s1.Len() != 0 {
		t.Errorf("the removed shard is complete %v with %d objects", s1.Complete(), s1.Len())
	}
	if diff := cmp.Diff([]string{"member2/configmaps@"}, fx.shards()); diff != "" {
		t.Errorf("running shards (-want +got):\n%s", diff)
	}
	deadline := time.Now().Add(10 * time.Second)
	for m1.Watchers() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("member1's reflector still watches")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, ok := fx.c.Cache.Lookup("member2", membertest.ConfigMaps); !ok {
		t.Error("member2's shard went with the other registry")
	}

	// Two registries asking for different namespaces of one type: all of it.
	fx.regs.set(
		registry("a", searchv1alpha1.ClusterAffinity{ClusterNames: []string{"member2"}}, searchv1alpha1.ResourceSelector{APIVersion: "v1", Kind: "ConfigMap", Namespace: "team-a"}),
		registry("b", searchv1alpha1.ClusterAffinity{ClusterNames: []string{"member2"}}, searchv1alpha1.ResourceSelector{APIVersion: "v1", Kind: "ConfigMap", Namespace: "team-b"}),
	)
	fx.syncUntil(t, "registries Ready", func() bool { return fx.isReady("a") && fx.isReady("b") })
	if diff := cmp.Diff([]string{"member2/configmaps@"}, fx.shards()); diff != "" {
		t.Errorf("running shards (-want +got):\n%s", diff)
	}

	fx.regs.set()
	if err := fx.c.sync(fx.ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(fx.c.running); n != 0 || fx.c.Cache.Len() != 0 {
		t.Errorf("%d shards and %d objects left without registries", n, fx.c.Cache.Len())
	}
}

func TestChangedCredentialsRestartShards(t *testing.T) {
	fx := newFixture(t)
	fx.regs.set(registry("one", searchv1alpha1.ClusterAffinity{ClusterNames: []string{"member1"}}, configMapSelector))
	fx.syncUntil(t, "registry Ready", func() bool { return fx.isReady("one") })
	id := shardID{cluster: "member1", gvr: membertest.ConfigMaps}
	before := fx.c.running[id]

	fx.creds.mu.Lock()
	fx.creds.fingerprint = "2"
	fx.creds.mu.Unlock()
	fx.syncUntil(t, "registry Ready", func() bool {
		s, ok := fx.c.Cache.Lookup("member1", membertest.ConfigMaps)
		return fx.isReady("one") && ok && s.Complete()
	})
	after := fx.c.running[id]
	if after == nil || after == before || after.fingerprint != "2" {
		t.Errorf("the reflector was not restarted with the new credentials: %+v", after)
	}
	if before.shard.Complete() {
		t.Error("the old shard is still complete")
	}
}

func TestRunStopsEverything(t *testing.T) {
	fx := newFixture(t)
	fx.regs.set(registry("one", searchv1alpha1.ClusterAffinity{}, configMapSelector))
	fx.c.Interval = 20 * time.Millisecond
	ctx, cancel := context.WithCancel(fx.ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		fx.c.Run(ctx)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for !fx.isReady("one") {
		if time.Now().After(deadline) {
			t.Fatal("registry not Ready")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	for _, name := range []string{"member1", "member2", "member3"} {
		if _, ok := fx.c.Cache.Lookup(name, membertest.ConfigMaps); ok {
			t.Errorf("%s's shard outlives Run", name)
		}
	}
}
