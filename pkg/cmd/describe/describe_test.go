package describe

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/fleetplane/fleetplane/internal/controlplanetest"
	"github.com/fleetplane/fleetplane/internal/golden"
)

func members() []controlplanetest.Member {
	pod := controlplanetest.Pod
	settings := &corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "settings"}, Data: map[string]string{"mode": "fast"}}
	return []controlplanetest.Member{
		{Name: "member1", Objects: []runtime.Object{pod("default", "web-0", "node-a"), pod("default", "api", "node-a")}},
		{Name: "member2", Objects: []runtime.Object{pod("default", "web-0", "node-c"), settings}},
		{Name: "member3", NotReady: true, Objects: []runtime.Object{pod("default", "web-0", "node-d")}},
	}
}

func TestDescribe(t *testing.T) {
	failing := append(members(), controlplanetest.Member{Name: "member4", Fail: "connection refused"})
	tests := []struct {
		name       string
		members    []controlplanetest.Member
		args       []string
		golden     string
		wantErrOut string
		wantErr    string
		// wantPaths must each have been requested.
		wantPaths []string
	}{
		{name: "in two clusters", args: []string{"pod", "web-0"}, golden: "pod-web-0.golden", wantPaths: []string{
			"/apis/cluster.karmada.io/v1alpha1/clusters/member1/proxy/api/v1/namespaces/default/pods/web-0",
			"/apis/cluster.karmada.io/v1alpha1/clusters/member2/proxy/api/v1/namespaces/default/pods/web-0",
		}},
		{name: "in one cluster", args: []string{"pods/api"}, golden: "pod-api.golden"},
		{name: "two objects, one missing", args: []string{"pod", "api", "nope"}, golden: "pod-api.golden",
			wantErr: `pods "nope" not found in any cluster`},
		{name: "type by short name", args: []string{"cm", "settings", "--show-events=false"}, golden: "cm-settings.golden"},
		{name: "not Ready but asked for", args: []string{"pod", "web-0", "-C", "member3"}, golden: "pod-web-0-member3.golden"},
		{name: "in no cluster", args: []string{"pod", "nope"}, wantErr: `pods "nope" not found in any cluster`},
		{name: "in none of the clusters asked", args: []string{"pod", "api", "-C", "member2,member3"},
			wantErr: `pods "api" not found in clusters member2, member3`},
		{name: "unknown cluster", args: []string{"pod", "web-0", "-C", "nope"}, wantErr: `cluster "nope" not found`},
		{name: "unknown type", args: []string{"widget", "x"}, wantErr: `the server doesn't have a resource type "widget"`},
		{name: "no name", args: []string{"pods"}, wantErr: "you must specify the NAME of the pods to describe"},
		{name: "failing cluster", members: failing, args: []string{"pod", "web-0"}, golden: "pod-web-0.golden",
			wantErrOut: "Warning: cluster member4: connection refused\n",
			wantErr:    "results are incomplete: cluster member4 failed"},
		{name: "failing cluster, found nowhere else", members: failing, args: []string{"pod", "nope"},
			wantErrOut: "Warning: cluster member4: connection refused\n",
			wantErr:    `pods "nope" not found in any cluster; results are incomplete: cluster member4 failed`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms := tt.members
			if ms == nil {
				ms = members()
			}
			srv := controlplanetest.New(t, ms...)
			out, errOut, err := srv.Run(t, NewCmdDescribe, tt.args...)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("Execute() error = %v", err)
			}
			if tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr) {
				t.Fatalf("Execute() error = %v, want %q", err, tt.wantErr)
			}
			if tt.golden != "" {
				golden.Assert(t, tt.golden, out.Bytes())
			} else if out.Len() > 0 {
				t.Errorf("unexpected output:\n%s", out)
			}
			if diff := cmp.Diff(tt.wantErrOut, errOut.String()); diff != "" {
				t.Errorf("error output (-want +got):\n%s", diff)
			}
			requests := srv.Requests()
			for _, p := range tt.wantPaths {
				if !slices.ContainsFunc(requests, func(r string) bool { return strings.HasPrefix(r, "GET "+p) }) {
					t.Errorf("no request for %s in:\n%s", p, strings.Join(requests, "\n"))
				}
			}
		})
	}
}
