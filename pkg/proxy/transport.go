package proxy

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/client-go/rest"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
)

// Member is a pooled connection to one member cluster, authenticated as the
// cluster's impersonator.
type Member struct {
	// Endpoint is the member's apiserver URL.
	Endpoint *url.URL
	// Transport carries plain requests, adding the impersonator's bearer token.
	Transport http.RoundTripper
	// conn dials TLS connections for upgraded requests (exec, attach, port-forward).
	conn  *http.Transport
	token string
	// fingerprint identifies the endpoint and credentials the transport was built from.
	fingerprint string
}

// TransportPool keeps one transport per member cluster.
type TransportPool struct {
	// DialTimeout bounds how long connecting to a member may take, so that an
	// unreachable member fails fast instead of hanging the caller.
	DialTimeout time.Duration

	mu      sync.Mutex
	members map[string]*Member
}

// NewTransportPool returns an empty pool.
func NewTransportPool(dialTimeout time.Duration) *TransportPool {
	return &TransportPool{DialTimeout: dialTimeout, members: map[string]*Member{}}
}

// Get returns the pooled transport for a cluster, building a new one when the
// cluster's endpoint or the credentials Secret changed since the last call.
func (p *TransportPool) Get(c *clusterv1alpha1.Cluster, creds *corev1.Secret) (*Member, error) {
	fp := fingerprint(c, creds)
	p.mu.Lock()
	defer p.mu.Unlock()
	if m, ok := p.members[c.Name]; ok && m.fingerprint == fp {
		return m, nil
	}
	m, err := p.build(c, creds, fp)
	if err != nil {
		return nil, err
	}
	if old, ok := p.members[c.Name]; ok {
		old.conn.CloseIdleConnections()
	}
	p.members[c.Name] = m
	return m, nil
}

// Forget drops the transport of a cluster that was removed.
func (p *TransportPool) Forget(cluster string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if m, ok := p.members[cluster]; ok {
		m.conn.CloseIdleConnections()
		delete(p.members, cluster)
	}
}

func fingerprint(c *clusterv1alpha1.Cluster, s *corev1.Secret) string {
	return fmt.Sprintf("%s|%s|%t|%s|%s|%s", c.Spec.APIEndpoint, c.Spec.ProxyURL, c.Spec.InsecureSkipTLSVerification,
		s.Namespace+"/"+s.Name, s.UID, s.ResourceVersion)
}

func (p *TransportPool) build(c *clusterv1alpha1.Cluster, creds *corev1.Secret, fp string) (*Member, error) {
	endpoint, err := url.Parse(c.Spec.APIEndpoint)
	if err != nil || endpoint.Host == "" {
		return nil, fmt.Errorf("cluster %s has a malformed spec.apiEndpoint %q", c.Name, c.Spec.APIEndpoint)
	}
	token := string(creds.Data[clusterv1alpha1.SecretTokenKey])
	if token == "" {
		return nil, fmt.Errorf("secret %s/%s of cluster %s has no %q key", creds.Namespace, creds.Name, c.Name, clusterv1alpha1.SecretTokenKey)
	}
	cfg := &rest.Config{
		Host: c.Spec.APIEndpoint,
		TLSClientConfig: rest.TLSClientConfig{
			CAData:   creds.Data[clusterv1alpha1.SecretCADataKey],
			Insecure: c.Spec.InsecureSkipTLSVerification,
		},
	}
	tlsConfig, err := rest.TLSConfigFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("TLS configuration of cluster %s: %w", c.Name, err)
	}
	dialer := &net.Dialer{Timeout: p.DialTimeout, KeepAlive: 30 * time.Second}
	conn := &http.Transport{
		TLSClientConfig:     tlsConfig,
		DialContext:         dialer.DialContext,
		TLSHandshakeTimeout: p.DialTimeout,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
	}
	if c.Spec.ProxyURL != "" {
		proxyURL, err := url.Parse(c.Spec.ProxyURL)
		if err != nil {
			return nil, fmt.Errorf("cluster %s has a malformed spec.proxyURL: %w", c.Name, err)
		}
		conn.Proxy = http.ProxyURL(proxyURL)
	}
	conn = utilnet.SetTransportDefaults(conn)
	return &Member{
		Endpoint:    endpoint,
		Transport:   &bearer{token: token, next: conn},
		conn:        conn,
		token:       token,
		fingerprint: fp,
	}, nil
}

// bearer sets the impersonator's token on every request. Unlike client-go's bearer
// round tripper it always overwrites the header, so a caller's own credentials can
// never travel to a member.
type bearer struct {
	token string
	next  http.RoundTripper
}

func (b *bearer) RoundTrip(req *http.Request) (*http.Response, error) {
	req = utilnet.CloneRequest(req)
	req.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(req)
}

// WrappedRoundTripper lets client-go's helpers see through the wrapper.
func (b *bearer) WrappedRoundTripper() http.RoundTripper { return b.next }
