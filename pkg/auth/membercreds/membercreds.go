package membercreds

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
)

// ErrInvalidCredentials marks errors caused by a missing or incomplete
// spec.secretRef, as opposed to failures to reach the control plane.
var ErrInvalidCredentials = errors.New("invalid credentials")

// Read returns the Secret named by the cluster's spec.secretRef. It fails with an
// error wrapping ErrInvalidCredentials when the reference is unset, the Secret does
// not exist or it carries no token; the message names the field and the Secret.
func Read(ctx context.Context, reader client.Reader, c *clusterv1alpha1.Cluster) (*corev1.Secret, error) {
	ref := c.Spec.SecretRef
	if ref == nil || ref.Name == "" {
		return nil, fmt.Errorf("%w: spec.secretRef of cluster %s is not set", ErrInvalidCredentials, c.Name)
	}
	secret := &corev1.Secret{}
	err := reader.Get(ctx, types.NamespacedName{Namespace: ref.Namespace, Name: ref.Name}, secret)
	switch {
	case apierrors.IsNotFound(err):
		return nil, fmt.Errorf("%w: secret %s/%s named by spec.secretRef does not exist", ErrInvalidCredentials, ref.Namespace, ref.Name)
	case err != nil:
		return nil, fmt.Errorf("reading secret %s/%s named by spec.secretRef: %w", ref.Namespace, ref.Name, err)
	}
	if len(secret.Data[clusterv1alpha1.SecretTokenKey]) == 0 {
		return nil, fmt.Errorf("%w: secret %s/%s named by spec.secretRef has no %q key", ErrInvalidCredentials,
			ref.Namespace, ref.Name, clusterv1alpha1.SecretTokenKey)
	}
	return secret, nil
}

// RESTConfig returns the configuration that reaches the cluster's API server with
// the credentials in secret (the Secret returned by Read).
func RESTConfig(c *clusterv1alpha1.Cluster, secret *corev1.Secret) (*rest.Config, error) {
	if c.Spec.APIEndpoint == "" {
		return nil, fmt.Errorf("cluster %s has no spec.apiEndpoint", c.Name)
	}
	host := c.Spec.APIEndpoint
	if !strings.Contains(host, "://") {
		host = "https://" + host
	}
	if u, err := url.Parse(host); err != nil || u.Host == "" {
		return nil, fmt.Errorf("cluster %s has a malformed spec.apiEndpoint %q", c.Name, c.Spec.APIEndpoint)
	}
	cfg := &rest.Config{
		Host:        host,
		BearerToken: string(secret.Data[clusterv1alpha1.SecretTokenKey]),
		TLSClientConfig: rest.TLSClientConfig{
			Insecure: c.Spec.InsecureSkipTLSVerification,
		},
		UserAgent: "fleetplane-controllers",
		QPS:       20,
		Burst:     40,
	}
	// client-go refuses a CA together with Insecure.
	if !cfg.Insecure {
		cfg.CAData = secret.Data[clusterv1alpha1.SecretCADataKey]
	}
	if c.Spec.ProxyURL != "" {
		proxyURL, err := url.Parse(c.Spec.ProxyURL)
		if err != nil || proxyURL.Host == "" {
			return nil, fmt.Errorf("cluster %s has a malformed spec.proxyURL %q", c.Name, c.Spec.ProxyURL)
		}
		cfg.Proxy = http.ProxyURL(proxyURL)
	}
	return cfg, nil
}

// Fingerprint identifies the endpoint and credentials a member client was built
// from; a client must be rebuilt when it changes.
func Fingerprint(c *clusterv1alpha1.Cluster, secret *corev1.Secret) string {
	return strings.Join([]string{
		c.Spec.APIEndpoint, c.Spec.ProxyURL, fmt.Sprint(c.Spec.InsecureSkipTLSVerification),
		secret.Namespace, secret.Name, string(secret.UID), secret.ResourceVersion,
	}, "|")
}
