package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/fleetplane/fleetplane/test/e2e/framework"
)

// TestGuestbookSampleVerbatim applies Karmada's guestbook sample unchanged: a
// ClusterPropagationPolicy sends the Guestbook CRD to member1, then a Guestbook is
// propagated there once member1 serves the new type, with member1's override.
func TestGuestbookSampleVerbatim(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	dir := filepath.Join(samplesDir(t), "guestbook")
	ns := framework.CreateNamespace(ctx, t, sb.Client(t, framework.ControlPlane), "e2e-guestbook")
	for _, f := range []string{"guestbooks-crd.yaml", "guestbooks-clusterpropagationpolicy.yaml"} {
		path := filepath.Join(dir, f)
		if _, err := sb.Kubectl(ctx, framework.ControlPlane, "apply", "-f", path); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_, _ = sb.Kubectl(context.Background(), framework.ControlPlane, "delete", "--ignore-not-found", "-f", path)
		})
	}
	crds := schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	framework.WaitFor(ctx, t, 60*time.Second, "the Guestbook CRD on member1", func(ctx context.Context) (bool, string, error) {
		_, err := sb.Dynamic(t, framework.Member1).Resource(crds).Get(ctx, "guestbooks.webapp.my.domain", metav1.GetOptions{})
		return err == nil, fmt.Sprint(err), nil
	})
	for _, f := range []string{"guestbook.yaml", "guestbooks-propagationpolicy.yaml", "guestbooks-overridepolicy.yaml"} {
		if _, err := sb.Kubectl(ctx, framework.ControlPlane, "apply", "-n", ns, "-f", filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	guestbooks := schema.GroupVersionResource{Group: "webapp.my.domain", Version: "v1", Resource: "guestbooks"}
	framework.WaitFor(ctx, t, 90*time.Second, "guestbook-sample on member1 with its override", func(ctx context.Context) (bool, string, error) {
		g, err := sb.Dynamic(t, framework.Member1).Resource(guestbooks).Namespace(ns).Get(ctx, "guestbook-sample", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		size, _, _ := unstructured.NestedInt64(g.Object, "spec", "size")
		return size == 4 && g.GetAnnotations()["OverridePolicy"] == "test",
			fmt.Sprintf("size=%d annotations=%v", size, g.GetAnnotations()), nil
	})
	for _, m := range []string{framework.Member2, framework.Member3} {
		if _, err := sb.Dynamic(t, m).Resource(crds).Get(ctx, "guestbooks.webapp.my.domain", metav1.GetOptions{}); err == nil {
			t.Errorf("the Guestbook CRD reached %s, which the ClusterPropagationPolicy does not name", m)
		}
	}
}
