package unifiedauth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/auth/membercreds"
	"github.com/fleetplane/fleetplane/pkg/auth/proxygrants"
	"github.com/fleetplane/fleetplane/pkg/federate"
)

// ControllerName names the controller in logs, metrics and Events.
const ControllerName = "unified-auth-controller"

const (
	// resyncPeriod is how often a member's objects are checked for drift.
	resyncPeriod = 5 * time.Minute
	// notReadyRetry is how often a cluster that is not Ready is looked at again;
	// its turning Ready also triggers a reconcile.
	notReadyRetry = time.Minute
	// memberRequestTimeout bounds each request to a member.
	memberRequestTimeout = 30 * time.Second
)

// Reconciler writes one cluster's impersonator objects per call.
type Reconciler struct {
	// Client reads Clusters, ClusterRoles and ClusterRoleBindings of the control plane.
	Client client.Client
	// Secrets reads the credentials named by spec.secretRef.
	Secrets client.Reader
	// Recorder records Events on Clusters.
	Recorder events.EventRecorder

	clients *memberClients
}

var _ reconcile.Reconciler = &Reconciler{}

// NewReconciler returns a Reconciler that reaches members with real clients.
func NewReconciler(c client.Client, secrets client.Reader, recorder events.EventRecorder) *Reconciler {
	return &Reconciler{Client: c, Secrets: secrets, Recorder: recorder, clients: newMemberClients(newClient)}
}

// Setup registers the unified-auth controller with the manager. It has the
// federate.Setup signature.
func Setup(mgr ctrl.Manager, _ federate.Options) error {
	r := NewReconciler(mgr.GetClient(), mgr.GetAPIReader(), mgr.GetEventRecorder(ControllerName))
	allClusters := handler.EnqueueRequestsFromMapFunc(r.allClusters)
	err := ctrl.NewControllerManagedBy(mgr).
		Named(ControllerName).
		For(&clusterv1alpha1.Cluster{}).
		Watches(&rbacv1.ClusterRole{}, allClusters).
		Watches(&rbacv1.ClusterRoleBinding{}, allClusters).
		WithOptions(controller.Options{MaxConcurrentReconciles: 2}).
		Complete(r)
	if err != nil {
		return fmt.Errorf("%s: %w", ControllerName, err)
	}
	return nil
}

// allClusters maps any RBAC change to every cluster: a change to one role can
// change who may reach any of them.
func (r *Reconciler) allClusters(ctx context.Context, _ client.Object) []reconcile.Request {
	var clusters clusterv1alpha1.ClusterList
	if err := r.Client.List(ctx, &clusters); err != nil {
		log.FromContext(ctx).Error(err, "listing clusters after an RBAC change")
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(clusters.Items))
	for _, c := range clusters.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&c)})
	}
	return reqs
}

// Reconcile makes one member's impersonator able to impersonate exactly the
// principals entitled to the cluster's proxy.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	cluster := &clusterv1alpha1.Cluster{}
	if err := r.Client.Get(ctx, req.NamespacedName, cluster); err != nil {
		if apierrors.IsNotFound(err) {
			r.clients.forget(req.Name)
			return reconcile.Result{}, nil
		}
		return reconcile.Result{}, fmt.Errorf("reading cluster %s: %w", req.Name, err)
	}
	if !cluster.DeletionTimestamp.IsZero() || cluster.Spec.SyncMode == clusterv1alpha1.Pull {
		r.clients.forget(cluster.Name)
		return reconcile.Result{}, nil
	}
	if !meta.IsStatusConditionTrue(cluster.Status.Conditions, clusterv1alpha1.ClusterConditionReady) {
		log.FromContext(ctx).V(1).Info("cluster is not ready; impersonator left as it is")
		return reconcile.Result{RequeueAfter: notReadyRetry}, nil
	}

	rules, err := r.rulesFor(ctx, cluster.Name)
	if err != nil {
		return reconcile.Result{}, err
	}
	secret, err := membercreds.Read(ctx, r.Secrets, cluster)
	if err != nil {
		if errors.Is(err, membercreds.ErrInvalidCredentials) {
			r.Recorder.Eventf(cluster, nil, corev1.EventTypeWarning, "ImpersonatorSyncFailed", "SyncImpersonator", "%v", err)
			return reconcile.Result{RequeueAfter: notReadyRetry}, nil
		}
		return reconcile.Result{}, err
	}
	kc, err := r.clients.get(cluster, secret)
	if err == nil {
		var changed []string
		changed, err = ensureImpersonator(ctx, kc, rules)
		if len(changed) > 0 {
			r.Recorder.Eventf(cluster, nil, corev1.EventTypeNormal, "ImpersonatorSynced", "SyncImpersonator",
				"updated %s of the impersonator on the cluster (%d rules)", strings.Join(changed, ", "), len(rules))
		}
	}
	if err != nil {
		r.Recorder.Eventf(cluster, nil, corev1.EventTypeWarning, "ImpersonatorSyncFailed", "SyncImpersonator", "%v", err)
		return reconcile.Result{}, fmt.Errorf("syncing the impersonator of cluster %s: %w", cluster.Name, err)
	}
	return reconcile.Result{RequeueAfter: resyncPeriod}, nil
}

// rulesFor computes the impersonator's rules for a cluster from the control plane's
// cached RBAC.
func (r *Reconciler) rulesFor(ctx context.Context, cluster string) ([]rbacv1.PolicyRule, error) {
	var roles rbacv1.ClusterRoleList
	if err := r.Client.List(ctx, &roles); err != nil {
		return nil, fmt.Errorf("listing cluster roles: %w", err)
	}
	var bindings rbacv1.ClusterRoleBindingList
	if err := r.Client.List(ctx, &bindings); err != nil {
		return nil, fmt.Errorf("listing cluster role bindings: %w", err)
	}
	rolePtrs := make([]*rbacv1.ClusterRole, len(roles.Items))
	for i := range roles.Items {
		rolePtrs[i] = &roles.Items[i]
	}
	bindingPtrs := make([]*rbacv1.ClusterRoleBinding, len(bindings.Items))
	for i := range bindings.Items {
		bindingPtrs[i] = &bindings.Items[i]
	}
	return ImpersonationRules(proxygrants.ForCluster(cluster, rolePtrs, bindingPtrs)), nil
}

// memberClients caches one client per member, rebuilt when the endpoint or the
// credentials change.
type memberClients struct {
	build func(*rest.Config) (kubernetes.Interface, error)

	mu      sync.Mutex
	clients map[string]memberClient
}

type memberClient struct {
	fingerprint string
	client      kubernetes.Interface
}

func newMemberClients(build func(*rest.Config) (kubernetes.Interface, error)) *memberClients {
	return &memberClients{build: build, clients: map[string]memberClient{}}
}

func newClient(cfg *rest.Config) (kubernetes.Interface, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.Timeout = memberRequestTimeout
	return kubernetes.NewForConfig(cfg)
}

func (m *memberClients) get(c *clusterv1alpha1.Cluster, secret *corev1.Secret) (kubernetes.Interface, error) {
	fp := membercreds.Fingerprint(c, secret)
	m.mu.Lock()
	defer m.mu.Unlock()
	if mc, ok := m.clients[c.Name]; ok && mc.fingerprint == fp {
		return mc.client, nil
	}
	cfg, err := membercreds.RESTConfig(c, secret)
	if err != nil {
		return nil, err
	}
	kc, err := m.build(cfg)
	if err != nil {
		return nil, fmt.Errorf("client for cluster %s: %w", c.Name, err)
	}
	m.clients[c.Name] = memberClient{fingerprint: fp, client: kc}
	return kc, nil
}

func (m *memberClients) forget(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.clients, name)
}
