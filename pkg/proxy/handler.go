package proxy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/httpstream"
	utilproxy "k8s.io/apimachinery/pkg/util/proxy"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/client-go/transport"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/auth/proxygrants"
)

// ClusterGetter returns a Cluster by name, or a NotFound error.
type ClusterGetter interface {
	GetCluster(ctx context.Context, name string) (*clusterv1alpha1.Cluster, error)
}

// SecretGetter returns a Secret of the control plane.
type SecretGetter interface {
	GetSecret(ctx context.Context, namespace, name string) (*corev1.Secret, error)
}

// GroupFilter narrows the groups forwarded for a caller to those the cluster's
// impersonator may impersonate. A nil GroupFilter forwards every group.
type GroupFilter func(cluster string, groups []string) []string

// ClusterProxy builds handlers that forward a request to one member cluster.
type ClusterProxy struct {
	Clusters ClusterGetter
	Secrets  SecretGetter
	Pool     *TransportPool
	Groups   GroupFilter
	// Authorizer, when set, also requires create on clusters/proxy for an
	// upgrade that arrives as a GET (WebSocket exec, attach, port-forward): a
	// GET is authorized as get, yet opens a stream that writes to the member,
	// as SPDY's POST does. kube-apiserver closed the same gap for pods/exec.
	Authorizer authorizer.Authorizer
}

// Connect returns the handler that forwards a request for path on the named cluster.
// It fails with 404 for an unknown cluster and 503 for one that is not Ready or has
// no impersonator credentials.
func (p *ClusterProxy) Connect(ctx context.Context, name, memberPath string, responder rest.Responder) (http.Handler, error) {
	caller, ok := request.UserFrom(ctx)
	if !ok {
		return nil, apierrors.NewUnauthorized("no caller identity in the request")
	}
	member, err := p.Member(ctx, name)
	if err != nil {
		return nil, err
	}
	imp := p.impersonation(name, caller)
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if err := p.authorizeUpgrade(ctx, caller, name, req); err != nil {
			responder.Error(err)
			return
		}
		location := *member.Endpoint
		location.Path = joinPath(location.Path, memberPath)
		location.RawQuery = req.URL.RawQuery
		h := &utilproxy.UpgradeAwareHandler{
			Location:  &location,
			Transport: transport.NewImpersonatingRoundTripper(imp, member.Transport),
			UpgradeTransport: utilproxy.NewUpgradeRequestRoundTripper(member.conn,
				transport.NewImpersonatingRoundTripper(imp, &bearer{token: member.token, next: utilproxy.MirrorRequest})),
			// A member must never send the caller elsewhere (the CVE-2022-3172 class).
			RejectForwardingRedirects: true,
			Responder:                 &errorResponder{cluster: name, responder: responder},
		}
		h.ServeHTTP(w, Sanitize(req))
	}), nil
}

// authorizeUpgrade requires create on clusters/proxy for a GET upgrade.
func (p *ClusterProxy) authorizeUpgrade(ctx context.Context, caller user.Info, cluster string, req *http.Request) error {
	if p.Authorizer == nil || req.Method != http.MethodGet || !httpstream.IsUpgradeRequest(req) {
		return nil
	}
	attrs := authorizer.AttributesRecord{
		User: caller, Verb: "create", APIGroup: clusterv1alpha1.GroupName, APIVersion: clusterv1alpha1.SchemeGroupVersion.Version,
		Resource: "clusters", Subresource: "proxy", Name: cluster, ResourceRequest: true,
	}
	decision, reason, err := p.Authorizer.Authorize(ctx, attrs)
	if decision == authorizer.DecisionAllow {
		return nil
	}
	if err != nil {
		return apierrors.NewInternalError(fmt.Errorf("authorizing the upgrade: %w", err))
	}
	return apierrors.NewForbidden(clusterv1alpha1.Resource("clusters/proxy"), cluster,
		fmt.Errorf("an upgraded connection (exec, attach, port-forward) needs create on clusters/proxy, not only get: %s", reason))
}

// Member returns the pooled connection of a Ready cluster.
func (p *ClusterProxy) Member(ctx context.Context, name string) (*Member, error) {
	c, err := p.Clusters.GetCluster(ctx, name)
	if apierrors.IsNotFound(err) {
		// An unjoined cluster's pooled connections go with it.
		p.Pool.Forget(name)
	}
	if err != nil {
		return nil, err
	}
	if cond := meta.FindStatusCondition(c.Status.Conditions, clusterv1alpha1.ClusterConditionReady); cond != nil && cond.Status == metav1.ConditionFalse {
		return nil, apierrors.NewServiceUnavailable(fmt.Sprintf("cluster %s is not ready: %s: %s", name, cond.Reason, cond.Message))
	}
	ref := c.Spec.ImpersonatorSecretRef
	if ref == nil {
		return nil, apierrors.NewServiceUnavailable(fmt.Sprintf("cluster %s has no impersonator credentials (spec.impersonatorSecretRef is empty)", name))
	}
	secret, err := p.Secrets.GetSecret(ctx, ref.Namespace, ref.Name)
	if err != nil {
		return nil, apierrors.NewServiceUnavailable(fmt.Sprintf("cluster %s: reading impersonator secret %s/%s: %v", name, ref.Namespace, ref.Name, err))
	}
	m, err := p.Pool.Get(c, secret)
	if err != nil {
		return nil, apierrors.NewServiceUnavailable(err.Error())
	}
	return m, nil
}

// MemberIdentity is who a member sees for a caller: the caller, minus the group
// every authenticated user has (which the member adds back), with only the
// groups the cluster's impersonator may impersonate and only the extras it may
// forward.
func (p *ClusterProxy) MemberIdentity(cluster string, caller user.Info) user.Info {
	var groups []string
	for _, g := range caller.GetGroups() {
		if g != user.AllAuthenticated {
			groups = append(groups, g)
		}
	}
	if p.Groups != nil {
		groups = p.Groups(cluster, groups)
	}
	var extra map[string][]string
	for _, k := range proxygrants.ImpersonableExtras {
		if v, ok := caller.GetExtra()[k]; ok {
			if extra == nil {
				extra = map[string][]string{}
			}
			extra[k] = v
		}
	}
	return &user.DefaultInfo{Name: caller.GetName(), UID: caller.GetUID(), Groups: groups, Extra: extra}
}

// impersonation is the impersonation configuration of MemberIdentity.
func (p *ClusterProxy) impersonation(cluster string, caller user.Info) transport.ImpersonationConfig {
	who := p.MemberIdentity(cluster, caller)
	return transport.ImpersonationConfig{
		UserName: who.GetName(),
		UID:      who.GetUID(),
		Groups:   who.GetGroups(),
		Extra:    who.GetExtra(),
	}
}

// Sanitize returns a copy of req without anything that carries identity from the
// caller: credentials, impersonation headers (the caller's identity is set by the
// proxy itself) and the front proxy's authentication headers.
func Sanitize(req *http.Request) *http.Request {
	out := req.Clone(req.Context())
	for name := range out.Header {
		canonical := http.CanonicalHeaderKey(name)
		if strings.HasPrefix(canonical, "Impersonate-") || strings.HasPrefix(canonical, "X-Remote-") {
			delete(out.Header, name)
		}
	}
	out.Header.Del("Authorization")
	out.Header.Del("Proxy-Authorization")
	out.Header.Del("Cookie")
	return out
}

func joinPath(base, p string) string {
	if p == "" {
		return base
	}
	joined := path.Join("/", base, p)
	if strings.HasSuffix(p, "/") && !strings.HasSuffix(joined, "/") {
		joined += "/"
	}
	return joined
}

// errorResponder turns transport failures into a 503 Status that names the cluster.
type errorResponder struct {
	cluster   string
	responder rest.Responder
}

func (r *errorResponder) Error(_ http.ResponseWriter, _ *http.Request, err error) {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		r.responder.Error(err)
		return
	}
	r.responder.Error(apierrors.NewServiceUnavailable(fmt.Sprintf("cluster %s is unreachable: %v", r.cluster, err)))
}
