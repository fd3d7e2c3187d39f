package logs

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/fleetplane/fleetplane/internal/controlplanetest"
)

const (
	globalPods = "/apis/search.karmada.io/v1alpha1/proxying/karmada/proxy/api/v1/namespaces/default/pods"
	member1    = "/apis/cluster.karmada.io/v1alpha1/clusters/member1/proxy"
	member2    = "/apis/cluster.karmada.io/v1alpha1/clusters/member2/proxy"
)

func TestLogs(t *testing.T) {
	pod := controlplanetest.Pod
	members := []controlplanetest.Member{
		{Name: "member1", Objects: []runtime.Object{pod("default", "web-0", "node-a"), pod("default", "api", "node-a")}},
		{Name: "member2", Objects: []runtime.Object{pod("default", "web-0", "node-b")}},
	}
	tests := []struct {
		name    string
		args    []string
		wantOut string
		wantErr string
		// wantRequests must each start one request, in this order.
		wantRequests []string
		// noRequest must start no request.
		noRequest string
	}{
		{name: "found through the global proxy", args: []string{"api"}, wantOut: "member1 default/api app: hello\n",
			wantRequests: []string{
				"GET " + globalPods + "?fieldSelector=metadata.name%3Dapi",
				"GET " + member1 + "/api/v1/namespaces/default/pods/api",
				"GET " + member1 + "/api/v1/namespaces/default/pods/api/log?container=app",
			}},
		{name: "by selector", args: []string{"-l", "app=api", "--tail", "5"}, wantOut: "member1 default/api app: hello\n",
			wantRequests: []string{
				"GET " + globalPods + "?labelSelector=app%3Dapi",
				"GET " + member1 + "/api/v1/namespaces/default/pods?labelSelector=app%3Dapi",
				"GET " + member1 + "/api/v1/namespaces/default/pods/api/log?container=app&tailLines=5",
			}},
		{name: "cluster given", args: []string{"web-0", "-C", "member2", "--prefix"}, wantOut: "[pod/web-0/app] member2 default/web-0 app: hello\n",
			wantRequests: []string{"GET " + member2 + "/api/v1/namespaces/default/pods/web-0/log?container=app"},
			noRequest:    "GET " + globalPods},
		{name: "in two clusters", args: []string{"web-0"}, wantErr: `pod "web-0" exists in clusters member1, member2; choose one with -C`},
		{name: "in no cluster", args: []string{"nope"}, wantErr: `pod "nope" not found in any cluster`},
		{name: "not in the cluster given", args: []string{"api", "-C", "member2"},
			wantErr: `error from server (NotFound): pods "api" not found in namespace "default"`},
		{name: "unknown cluster", args: []string{"api", "-C", "nope"}, wantErr: `cluster "nope" not found`},
		{name: "no pod", wantErr: "POD or TYPE/NAME, or a selector (-l), is required"},
		{name: "pod and selector", args: []string{"api", "-l", "app=api"}, wantErr: "only a selector (-l) or a POD name is allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := controlplanetest.New(t, members...)
			out, errOut, err := srv.Run(t, NewCmdLogs, tt.args...)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("Execute() error = %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.wantErr)) {
				t.Fatalf("Execute() error = %v, want prefix %q", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.wantOut, out.String()); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
			if errOut.Len() > 0 {
				t.Errorf("unexpected error output:\n%s", errOut)
			}
			requests := srv.Requests()
			next := 0
			for _, r := range requests {
				if next < len(tt.wantRequests) && strings.HasPrefix(r, tt.wantRequests[next]) {
					next++
				}
				if tt.noRequest != "" && strings.HasPrefix(r, tt.noRequest) {
					t.Errorf("unexpected request %s", r)
				}
			}
			if next < len(tt.wantRequests) {
				t.Errorf("no request %s, in order, in:\n%s", tt.wantRequests[next], strings.Join(slices.Clone(requests), "\n"))
			}
		})
	}
}

// TestLogsWithAFailingCluster: the pod is still found in the clusters that
// answer, and a pod found nowhere names the cluster that failed.
func TestLogsWithAFailingCluster(t *testing.T) {
	srv := controlplanetest.New(t,
		controlplanetest.Member{Name: "member1", Objects: []runtime.Object{controlplanetest.Pod("default", "api", "node-a")}},
		controlplanetest.Member{Name: "member3", Fail: "connection refused"})
	tests := []struct {
		args    []string
		wantOut string
		wantErr string
	}{
		{args: []string{"api"}, wantOut: "member1 default/api app: hello\n"},
		{args: []string{"nope"}, wantErr: `pod "nope" not found in any cluster; results are incomplete: cluster member3 failed`},
	}
	for _, tt := range tests {
		t.Run(tt.args[0], func(t *testing.T) {
			out, errOut, err := srv.Run(t, NewCmdLogs, tt.args...)
			if (err == nil && tt.wantErr != "") || (err != nil && err.Error() != tt.wantErr) {
				t.Fatalf("Execute() error = %v, want %q", err, tt.wantErr)
			}
			if out.String() != tt.wantOut {
				t.Errorf("output %q, want %q", out, tt.wantOut)
			}
			if want := "Warning: cluster member3: connection refused\n"; errOut.String() != want {
				t.Errorf("error output %q, want %q", errOut, want)
			}
		})
	}
}
