package clusterstatus

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/discovery"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/auth/membercreds"
)

// connectFunc builds the two clients of a member: one for probes and discovery,
// whose every request is bounded by the probe timeout, and one for informers, whose
// watches must be allowed to last.
type connectFunc func(cfg *rest.Config, timeout time.Duration) (discovery.DiscoveryInterface, kubernetes.Interface, error)

func connect(cfg *rest.Config, timeout time.Duration) (discovery.DiscoveryInterface, kubernetes.Interface, error) {
	probeCfg := rest.CopyConfig(cfg)
	probeCfg.Timeout = timeout
	probe, err := discovery.NewDiscoveryClientForConfig(probeCfg)
	if err != nil {
		return nil, nil, err
	}
	watcher, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, nil, err
	}
	return probe, watcher, nil
}

// member is the control plane's connection to one member cluster.
type member struct {
	fingerprint string
	probe       discovery.DiscoveryInterface
	watcher     kubernetes.Interface

	// The informers run from the first time the member answers until the member
	// is forgotten or its connection rebuilt; stop is nil until then.
	nodes, pods cache.SharedIndexInformer
	stop        context.CancelFunc
}

// members caches one connection per cluster. It runs as a manager runnable so that
// the informers of every member stop with the manager.
type members struct {
	timeout time.Duration
	connect connectFunc

	mu   sync.Mutex
	base context.Context // the manager's context, once started
	byID map[string]*member
}

func newMembers(timeout time.Duration) *members {
	return &members{timeout: timeout, connect: connect, byID: map[string]*member{}}
}

// Start records the context informers run under and, once it is done, stops every
// member's informers.
func (ms *members) Start(ctx context.Context) error {
	ms.mu.Lock()
	ms.base = ctx
	ms.mu.Unlock()
	<-ctx.Done()
	ms.mu.Lock()
	defer ms.mu.Unlock()
	for name, m := range ms.byID {
		m.close()
		delete(ms.byID, name)
	}
	return nil
}

// get returns the connection to a cluster, rebuilding it when the endpoint or the
// credentials changed since it was built.
func (ms *members) get(c *clusterv1alpha1.Cluster, secret *corev1.Secret) (*member, error) {
	fp := membercreds.Fingerprint(c, secret)
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if m, ok := ms.byID[c.Name]; ok {
		if m.fingerprint == fp {
			return m, nil
		}
		m.close()
		delete(ms.byID, c.Name)
	}
	cfg, err := membercreds.RESTConfig(c, secret)
	if err != nil {
		return nil, err
	}
	probe, watcher, err := ms.connect(cfg, ms.timeout)
	if err != nil {
		return nil, fmt.Errorf("client for cluster %s: %w", c.Name, err)
	}
	m := &member{fingerprint: fp, probe: probe, watcher: watcher}
	ms.byID[c.Name] = m
	return m, nil
}

// forget stops the informers of a cluster that was deleted or lost its credentials.
func (ms *members) forget(name string) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if m, ok := ms.byID[name]; ok {
		m.close()
		delete(ms.byID, name)
	}
}

// startInformers starts the member's informers unless they already run. It does
// nothing before the manager started the cache.
func (ms *members) startInformers(m *member) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if m.stop != nil || ms.base == nil {
		return
	}
	ctx, cancel := context.WithCancel(ms.base)
	m.stop = cancel
	m.nodes = coreinformers.NewNodeInformer(m.watcher, 0, cache.Indexers{})
	m.pods = coreinformers.NewFilteredPodInformer(m.watcher, metav1.NamespaceAll, 0, cache.Indexers{},
		func(o *metav1.ListOptions) { o.FieldSelector = unfinishedPods })
	// SetTransform only fails on a running informer.
	_ = m.nodes.SetTransform(trimNode)
	_ = m.pods.SetTransform(trimPod)
	go m.nodes.RunWithContext(ctx)
	go m.pods.RunWithContext(ctx)
}

// unfinishedPods selects the pods that may still hold or claim resources.
var unfinishedPods = fields.AndSelectors(
	fields.OneTermNotEqualSelector("status.phase", string(corev1.PodSucceeded)),
	fields.OneTermNotEqualSelector("status.phase", string(corev1.PodFailed)),
).String()

// synced reports whether both informers have completed their first list. It never
// waits: an unreachable member must not hold up the health check.
func (m *member) synced() bool {
	return m.stop != nil && m.nodes.HasSynced() && m.pods.HasSynced()
}

// summarize computes the summaries from the informers' caches.
func (m *member) summarize() (*clusterv1alpha1.NodeSummary, *clusterv1alpha1.ResourceSummary) {
	var nodes []*corev1.Node
	for _, obj := range m.nodes.GetStore().List() {
		if n, ok := obj.(*corev1.Node); ok {
			nodes = append(nodes, n)
		}
	}
	var pods []*corev1.Pod
	for _, obj := range m.pods.GetStore().List() {
		if p, ok := obj.(*corev1.Pod); ok {
			pods = append(pods, p)
		}
	}
	return summarize(nodes, pods)
}

func (m *member) close() {
	if m.stop != nil {
		m.stop()
	}
}

// trimNode keeps only what the summaries read: node images and the like can make
// up most of a node object.
func trimNode(obj any) (any, error) {
	n, ok := obj.(*corev1.Node)
	if !ok {
		return obj, nil
	}
	out := &corev1.Node{ObjectMeta: trimMeta(n.ObjectMeta)}
	out.Status.Allocatable = n.Status.Allocatable
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			out.Status.Conditions = []corev1.NodeCondition{{Type: c.Type, Status: c.Status}}
		}
	}
	return out, nil
}

// trimPod keeps only what podRequests and the phase rules read.
func trimPod(obj any) (any, error) {
	p, ok := obj.(*corev1.Pod)
	if !ok {
		return obj, nil
	}
	out := &corev1.Pod{ObjectMeta: trimMeta(p.ObjectMeta)}
	out.Spec.NodeName = p.Spec.NodeName
	out.Spec.Overhead = p.Spec.Overhead
	if p.Spec.Resources != nil {
		out.Spec.Resources = &corev1.ResourceRequirements{Requests: p.Spec.Resources.Requests}
	}
	out.Spec.Containers = trimContainers(p.Spec.Containers)
	out.Spec.InitContainers = trimContainers(p.Spec.InitContainers)
	out.Status.Phase = p.Status.Phase
	return out, nil
}

func trimContainers(cs []corev1.Container) []corev1.Container {
	if len(cs) == 0 {
		return nil
	}
	out := make([]corev1.Container, len(cs))
	for i, c := range cs {
		out[i] = corev1.Container{
			Name:          c.Name,
			RestartPolicy: c.RestartPolicy,
			Resources:     corev1.ResourceRequirements{Requests: c.Resources.Requests},
		}
	}
	return out
}

func trimMeta(m metav1.ObjectMeta) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: m.Name, Namespace: m.Namespace, UID: m.UID, ResourceVersion: m.ResourceVersion}
}
