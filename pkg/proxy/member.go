package proxy

import (
	"context"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/client-go/transport"
)

// RoundTripper returns the transport that carries the caller's requests to one
// member: as the cluster's impersonator, impersonating the caller found in ctx,
// exactly like the per-cluster proxy. The Member gives the endpoint to send to.
func (p *ClusterProxy) RoundTripper(ctx context.Context, cluster string) (*Member, http.RoundTripper, error) {
	caller, ok := request.UserFrom(ctx)
	if !ok {
		return nil, nil, apierrors.NewUnauthorized("no caller identity in the request")
	}
	m, err := p.Member(ctx, cluster)
	if err != nil {
		return nil, nil, err
	}
	return m, transport.NewImpersonatingRoundTripper(p.impersonation(cluster, caller), m.Transport), nil
}
