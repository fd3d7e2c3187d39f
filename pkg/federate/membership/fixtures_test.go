package membership

import (
	"context"
	"errors"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	k8sfake "k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crfake "sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
)

const (
	memberEndpoint = "https://member1.example:6443"
	memberUID      = types.UID("kube-system-uid")
)

// newControlPlane returns a fake control plane that serves the Cluster API or not.
func newControlPlane(served bool, objs ...runtime.Object) *k8sfake.Clientset {
	cp := k8sfake.NewClientset(objs...)
	if served {
		cp.Resources = []*metav1.APIResourceList{{
			GroupVersion: clusterv1alpha1.SchemeGroupVersion.String(),
			APIResources: []metav1.APIResource{{Name: clusterv1alpha1.ResourcePluralCluster, Kind: clusterv1alpha1.ResourceKindCluster}},
		}}
	}
	return cp
}

// newMember returns a fake member whose token controller fills token Secrets on
// creation, when fillTokens is set.
func newMember(fillTokens bool, objs ...runtime.Object) *k8sfake.Clientset {
	objs = append(objs, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: metav1.NamespaceSystem, UID: memberUID}})
	m := k8sfake.NewClientset(objs...)
	if fillTokens {
		m.PrependReactor("create", "secrets", func(action k8stesting.Action) (bool, runtime.Object, error) {
			s := action.(k8stesting.CreateAction).GetObject().(*corev1.Secret)
			if s.Type == corev1.SecretTypeServiceAccountToken {
				s.Data = map[string][]byte{clusterv1alpha1.SecretTokenKey: []byte("token-of-" + s.Name)}
			}
			return false, nil, nil
		})
	}
	return m
}

// unreachable makes the fake's discovery fail like a refused connection.
func unreachable(c *k8sfake.Clientset) *k8sfake.Clientset {
	c.PrependReactor("get", "version", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, errors.New("connection refused")
	})
	return c
}

// newClusters returns a fake Cluster client. Once readyAfter reads of a Cluster
// have happened (never if negative), reads report it Ready.
func newClusters(t *testing.T, readyAfter int, objs ...client.Object) client.WithWatch {
	t.Helper()
	s, err := NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	reads := 0
	return crfake.NewClientBuilder().WithScheme(s).WithObjects(objs...).WithInterceptorFuncs(interceptor.Funcs{
		Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			if err := c.Get(ctx, key, obj, opts...); err != nil {
				return err
			}
			cluster, ok := obj.(*clusterv1alpha1.Cluster)
			if !ok {
				return nil
			}
			reads++
			if readyAfter >= 0 && reads > readyAfter {
				meta.SetStatusCondition(&cluster.Status.Conditions, metav1.Condition{
					Type: clusterv1alpha1.ClusterConditionReady, Status: metav1.ConditionTrue, Reason: "ClusterReady",
				})
			} else if readyAfter >= 0 {
				meta.SetStatusCondition(&cluster.Status.Conditions, metav1.Condition{
					Type: clusterv1alpha1.ClusterConditionReady, Status: metav1.ConditionFalse, Reason: "Probing", Message: "not yet",
				})
			}
			return nil
		},
	}).Build()
}

// existingCluster is a Cluster as join leaves it.
func existingCluster(name, endpoint string) *clusterv1alpha1.Cluster {
	return &clusterv1alpha1.Cluster{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"team": "a"}},
		Spec: clusterv1alpha1.ClusterSpec{
			ID:                    "original-id",
			SyncMode:              clusterv1alpha1.Push,
			APIEndpoint:           endpoint,
			Provider:              "old-provider",
			SecretRef:             &clusterv1alpha1.LocalSecretReference{Namespace: DefaultSecretNamespace, Name: name},
			ImpersonatorSecretRef: &clusterv1alpha1.LocalSecretReference{Namespace: DefaultSecretNamespace, Name: name + "-impersonator"},
		},
	}
}

// names lists the sorted names of the objects of one resource in a fake.
func names(t *testing.T, c kubernetes.Interface, resource, namespace string) []string {
	t.Helper()
	lists := map[string]func(context.Context, metav1.ListOptions) ([]string, error){
		"namespaces":          listNames(c.CoreV1().Namespaces().List),
		"secrets":             listNames(c.CoreV1().Secrets(namespace).List),
		"serviceaccounts":     listNames(c.CoreV1().ServiceAccounts(namespace).List),
		"clusterroles":        listNames(c.RbacV1().ClusterRoles().List),
		"clusterrolebindings": listNames(c.RbacV1().ClusterRoleBindings().List),
	}
	out, err := lists[resource](context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}
