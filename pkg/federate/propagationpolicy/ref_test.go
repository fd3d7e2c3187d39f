package propagationpolicy

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/restmapper"
	crfake "sigs.k8s.io/controller-runtime/pkg/client/fake"
)

// groupResources serve ConfigMaps, Deployments (apps/v1 preferred over v1beta2)
// and ClusterRoles.
func groupResources() []*restmapper.APIGroupResources {
	group := func(name string, versions []string, resources ...metav1.APIResource) *restmapper.APIGroupResources {
		g := &restmapper.APIGroupResources{Group: metav1.APIGroup{Name: name}, VersionedResources: map[string][]metav1.APIResource{}}
		for _, v := range versions {
			gv := metav1.GroupVersionForDiscovery{GroupVersion: v, Version: v}
			if name != "" {
				gv.GroupVersion = name + "/" + v
			}
			g.Group.Versions = append(g.Group.Versions, gv)
			g.VersionedResources[v] = resources
		}
		g.Group.PreferredVersion = g.Group.Versions[0]
		return g
	}
	return []*restmapper.APIGroupResources{
		group("", []string{"v1"}, metav1.APIResource{Name: "configmaps", SingularName: "configmap", Namespaced: true, Kind: "ConfigMap"}),
		group("apps", []string{"v1", "v1beta2"}, metav1.APIResource{Name: "deployments", SingularName: "deployment", Namespaced: true, Kind: "Deployment"}),
		group("rbac.authorization.k8s.io", []string{"v1"}, metav1.APIResource{Name: "clusterroles", SingularName: "clusterrole", Kind: "ClusterRole"}),
	}
}

func TestResolve(t *testing.T) {
	mapper := restmapper.NewDiscoveryRESTMapper(groupResources())
	web := Ref{GVK: deploymentGVK, Namespace: "ns1", Name: "web"}
	tests := []struct {
		name    string
		args    []string
		want    []Ref
		wantErr string
	}{
		{name: "plural resource", args: []string{"deployments/web"}, want: []Ref{web}},
		{name: "singular resource", args: []string{"deployment/web"}, want: []Ref{web}},
		{name: "kind", args: []string{"Deployment/web"}, want: []Ref{web}},
		{name: "group-qualified resource", args: []string{"deployments.apps/web"}, want: []Ref{web}},
		{name: "fully qualified resource", args: []string{"deployments.v1beta2.apps/web"},
			want: []Ref{{GVK: deploymentGVK.GroupKind().WithVersion("v1beta2"), Namespace: "ns1", Name: "web"}}},
		{name: "cluster-scoped has no namespace", args: []string{"clusterrole/reader"},
			want: []Ref{{GVK: clusterRoleGVK, Name: "reader"}}},
		{name: "several, duplicates dropped", args: []string{"deployment/web", "configmap/cfg", "deployments/web"},
			want: []Ref{web, {GVK: configMapGVK, Namespace: "ns1", Name: "cfg"}}},
		{name: "unknown type", args: []string{"deploymnt/web"}, wantErr: `the server doesn't have a resource type "deploymnt"`},
		{name: "no name", args: []string{"deployment"}, wantErr: `"deployment" is not TYPE/NAME, e.g. deployment/web`},
		{name: "empty name", args: []string{"deployment/"}, wantErr: `"deployment/" is not TYPE/NAME, e.g. deployment/web`},
		{name: "too many slashes", args: []string{"deployment/web/x"}, wantErr: `"deployment/web/x" is not TYPE/NAME, e.g. deployment/web`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Resolve(context.Background(), mapper, "ns1", tt.args...)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Resolve() error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Resolve() (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRefString(t *testing.T) {
	if got := (Ref{GVK: deploymentGVK, Namespace: "default", Name: "web"}).String(); got != "deployment default/web" {
		t.Errorf("String() = %q", got)
	}
	if got := (Ref{GVK: clusterRoleGVK, Name: "view"}).String(); got != "clusterrole view" {
		t.Errorf("String() = %q", got)
	}
}

func TestMissing(t *testing.T) {
	s, err := NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	c := crfake.NewClientBuilder().WithScheme(s).WithObjects(
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "ns1", Name: "cfg"}},
	).Build()
	refs := []Ref{{GVK: configMapGVK, Namespace: "ns1", Name: "cfg"}, {GVK: configMapGVK, Namespace: "ns1", Name: "gone"}}
	got, err := Missing(context.Background(), c, refs)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !strings.HasSuffix(got[0].String(), "ns1/gone") {
		t.Errorf("Missing() = %v, want only ns1/gone", got)
	}
}
