package proxyserver

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corev1listers "k8s.io/client-go/listers/core/v1"
)

// SecretCache reads cluster credentials from an informer on the credentials
// namespace, and from the apiserver for Secrets kept elsewhere.
type SecretCache struct {
	client    kubernetes.Interface
	lister    corev1listers.SecretLister
	namespace string
}

// NewSecretCache returns a cache over one namespace; its factory must be started.
func NewSecretCache(client kubernetes.Interface, factory informers.SharedInformerFactory, namespace string) *SecretCache {
	return &SecretCache{client: client, lister: factory.Core().V1().Secrets().Lister(), namespace: namespace}
}

// GetSecret returns a Secret.
func (s *SecretCache) GetSecret(ctx context.Context, namespace, name string) (*corev1.Secret, error) {
	if namespace == s.namespace {
		return s.lister.Secrets(namespace).Get(name)
	}
	return s.client.CoreV1().Secrets(namespace).Get(ctx, name, metav1.GetOptions{})
}
