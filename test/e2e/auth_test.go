package e2e

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/fleetplane/fleetplane/test/e2e/framework"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestProxyAuthMatrix checks each cell of unified auth: the control plane decides
// who may use clusters/proxy for which cluster, and the member's own RBAC decides
// what the impersonated caller may do there.
func TestProxyAuthMatrix(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	cp := sb.Client(t, framework.ControlPlane)
	member1 := sb.Client(t, framework.Member1)

	alice := framework.RandomName("alice")
	aliceCfg := sb.UserConfig(t, alice, "e2e-team")
	grantProxy(ctx, t, cp, rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: alice}, framework.Member1)

	t.Run("no proxy right is refused by the control plane", func(t *testing.T) {
		carol := sb.UserConfig(t, framework.RandomName("carol"))
		_, err := proxyGet(ctx, carol, framework.Member1)
		if statusOf(err) != 403 || !strings.Contains(err.Error(), "clusters/proxy") {
			t.Fatalf("got %v, want 403 naming clusters/proxy", err)
		}
	})
	t.Run("a right on member1 only is refused for member2", func(t *testing.T) {
		_, err := proxyGet(ctx, aliceCfg, framework.Member2)
		if statusOf(err) != 403 {
			t.Fatalf("got %v, want 403", err)
		}
	})
	t.Run("a proxy right without member RBAC is refused by the member", func(t *testing.T) {
		err := waitProxyStatus(ctx, t, aliceCfg, framework.Member1, 403, `User "`+alice+`" cannot list resource "namespaces"`)
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("both rights are allowed", func(t *testing.T) {
		grantView(ctx, t, member1, rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: alice})
		if err := waitProxyStatus(ctx, t, aliceCfg, framework.Member1, 200, ""); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a ServiceAccount caller works the same way", func(t *testing.T) {
		ns := framework.CreateNamespace(ctx, t, cp, "e2e-sa")
		sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "robot", Namespace: ns}}
		if _, err := cp.CoreV1().ServiceAccounts(ns).Create(ctx, sa, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		tr, err := cp.CoreV1().ServiceAccounts(ns).CreateToken(ctx, "robot", &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cfg := rest.AnonymousClientConfig(sb.RESTConfig(t, framework.ControlPlane))
		cfg.BearerToken = tr.Status.Token
		subject := rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: "robot", Namespace: ns}

		if _, err := proxyGet(ctx, cfg, framework.Member1); statusOf(err) != 403 {
			t.Fatalf("before any grant: %v, want 403", err)
		}
		grantProxy(ctx, t, cp, subject, framework.Member1)
		username := fmt.Sprintf("system:serviceaccount:%s:robot", ns)
		if err := waitProxyStatus(ctx, t, cfg, framework.Member1, 403, `User "`+username+`" cannot list`); err != nil {
			t.Fatal(err)
		}
		grantView(ctx, t, member1, rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: username})
		if err := waitProxyStatus(ctx, t, cfg, framework.Member1, 200, ""); err != nil {
			t.Fatal(err)
		}
	})
}

// waitProxyStatus polls until a proxied list answers with the wanted status (and
// message). Unified auth updates the member's impersonator asynchronously, so the
// first answers may still be "cannot impersonate".
func waitProxyStatus(ctx context.Context, t *testing.T, cfg *rest.Config, cluster string, code int, msg string) error {
	t.Helper()
	return framework.Poll(ctx, 60*time.Second, func(ctx context.Context) (bool, string, error) {
		_, err := proxyGet(ctx, cfg, cluster)
		got := statusOf(err)
		seen := fmt.Sprintf("status %d: %v", got, err)
		if got != code {
			return false, seen, nil
		}
		return msg == "" || (err != nil && strings.Contains(err.Error(), msg)), seen, nil
	})
}
