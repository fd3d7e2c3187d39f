package clusterclient

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/fleetplane/fleetplane/internal/controlplanetest"
)

func TestFindCluster(t *testing.T) {
	pod := controlplanetest.Pod
	web := &appsv1.Deployment{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web"}}
	srv := controlplanetest.New(t,
		controlplanetest.Member{Name: "member1", Objects: []runtime.Object{pod("default", "web-0", "n1"), pod("default", "api", "n1"), web}},
		controlplanetest.Member{Name: "member2", Objects: []runtime.Object{pod("default", "web-0", "n2"), pod("team-a", "api", "n2")}},
	)
	global := NewFactory(GlobalProxy(srv.Factory(t, "default"), Options{}))
	tests := []struct {
		name      string
		namespace string
		arg       string
		selector  string
		want      string
		wantErr   string
	}{
		{name: "one", namespace: "default", arg: "api", want: "member1"},
		{name: "other namespace", namespace: "team-a", arg: "api", want: "member2"},
		{name: "type and name", namespace: "default", arg: "deploy/web", want: "member1"},
		{name: "none", namespace: "default", arg: "x", wantErr: `pod "x" not found in any cluster`},
		{name: "two", namespace: "default", arg: "web-0", wantErr: `pod "web-0" exists in clusters member1, member2; choose one with -C`},
		{name: "none of a type", namespace: "team-a", arg: "deployments/web", wantErr: `deployment "web" not found in any cluster`},
		{name: "selector", namespace: "default", selector: "app=api", want: "member1"},
		{name: "selector in two", namespace: "default", selector: "app=web-0",
			wantErr: `pods matching "app=web-0" exist in clusters member1, member2; choose one with -C`},
		{name: "selector matches none", namespace: "default", selector: "app=x", wantErr: `no pods match "app=x" in any cluster`},
		{name: "no name", namespace: "default", arg: "pod/", wantErr: `"pod/" is not POD or TYPE/NAME`},
		{name: "unknown type", namespace: "default", arg: "widgets/x", wantErr: `the server doesn't have a resource type "widgets"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FindCluster(global, nil, tt.namespace, tt.arg, tt.selector)
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("FindCluster() = %q, %v; want error %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("FindCluster() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
