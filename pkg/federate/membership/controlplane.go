package membership

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
)

// ConflictError means the cluster name is already registered for another API server.
type ConflictError struct {
	Name     string
	Endpoint string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("cluster %q already exists with endpoint %s; unjoin it first or choose another name", e.Name, e.Endpoint)
}

// sameEndpoint compares API server addresses, ignoring a trailing slash and an
// omitted https:// scheme.
func sameEndpoint(a, b string) bool {
	norm := func(s string) string {
		s = strings.TrimSuffix(s, "/")
		if !strings.Contains(s, "://") {
			s = "https://" + s
		}
		return strings.ToLower(s)
	}
	return norm(a) == norm(b)
}

// ensureSecret creates the Opaque Secret, or replaces the data of an existing one.
func ensureSecret(ctx context.Context, c corev1client.SecretsGetter, namespace, name string, data map[string][]byte) error {
	secrets := c.Secrets(namespace)
	want := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Type:       corev1.SecretTypeOpaque,
		Data:       data,
	}
	_, err := secrets.Create(ctx, want, metav1.CreateOptions{})
	if !apierrors.IsAlreadyExists(err) {
		return wrapControlPlane(err, "creating secret %s/%s", namespace, name)
	}
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		got, err := secrets.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return wrapControlPlane(err, "reading secret %s/%s", namespace, name)
		}
		if equality.Semantic.DeepEqual(got.Data, data) {
			return nil
		}
		got.Data = data
		_, err = secrets.Update(ctx, got, metav1.UpdateOptions{})
		return wrapControlPlane(err, "updating secret %s/%s", namespace, name)
	})
}

// applyCluster creates the Cluster, or updates an existing one, so that mutate's
// changes are in place. It returns the stored object.
func applyCluster(ctx context.Context, c client.Client, name string, mutate func(*clusterv1alpha1.Cluster)) (*clusterv1alpha1.Cluster, error) {
	cluster := &clusterv1alpha1.Cluster{}
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		err := c.Get(ctx, client.ObjectKey{Name: name}, cluster)
		if apierrors.IsNotFound(err) {
			cluster = &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: name}}
			mutate(cluster)
			err = c.Create(ctx, cluster)
			if apierrors.IsAlreadyExists(err) {
				// Lost a race with another join: retry as an update.
				return apierrors.NewConflict(clusterv1alpha1.Resource(clusterv1alpha1.ResourcePluralCluster), name, err)
			}
			return err
		}
		if err != nil {
			return err
		}
		before := cluster.DeepCopy()
		mutate(cluster)
		if equality.Semantic.DeepEqual(before, cluster) {
			return nil
		}
		return c.Update(ctx, cluster)
	})
	if err != nil {
		return nil, wrapControlPlane(apiError(err), "registering cluster %s", name)
	}
	return cluster, nil
}

// clusterSpecFor returns the mutation that join applies to the Cluster object.
func clusterSpecFor(o *JoinOptions, id string) func(*clusterv1alpha1.Cluster) {
	return func(c *clusterv1alpha1.Cluster) {
		s := &c.Spec
		s.SyncMode = clusterv1alpha1.Push
		s.APIEndpoint = o.APIEndpoint
		s.SecretRef = &clusterv1alpha1.LocalSecretReference{Namespace: o.SecretNamespace, Name: ControllerSecretName(o.Name)}
		s.ImpersonatorSecretRef = &clusterv1alpha1.LocalSecretReference{Namespace: o.SecretNamespace, Name: ImpersonatorSecretName(o.Name)}
		s.InsecureSkipTLSVerification = o.InsecureSkipTLSVerify
		if o.ProxyURL != "" {
			s.ProxyURL = o.ProxyURL
		}
		if s.ID == "" {
			s.ID = id
		}
		if o.Provider != "" {
			s.Provider = o.Provider
		}
		if o.Region != "" {
			s.Region = o.Region
		}
		if len(o.Zones) > 0 {
			s.Zones = slices.Clone(o.Zones)
			s.Zone = o.Zones[0]
		}
		if len(o.Labels) > 0 {
			if c.Labels == nil {
				c.Labels = map[string]string{}
			}
			maps.Copy(c.Labels, o.Labels)
		}
	}
}

// wrapControlPlane prefixes err, if any, with what was being done on the control plane.
func wrapControlPlane(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrAPINotServed) {
		return err
	}
	return fmt.Errorf("%s on the control plane: %w", fmt.Sprintf(format, args...), err)
}
