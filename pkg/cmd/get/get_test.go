package get

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/fleetplane/fleetplane/internal/controlplanetest"
	"github.com/fleetplane/fleetplane/internal/golden"
)

// members is the fleet of most tests: web-0 runs in two clusters, member3 is
// not Ready (and so left out unless named).
func members() []controlplanetest.Member {
	pod := controlplanetest.Pod
	pending := pod("default", "web-0", "")
	pending.Status.Phase = corev1.PodPending
	return []controlplanetest.Member{
		{Name: "member1", Objects: []runtime.Object{pod("default", "web-0", "node-a"), pod("default", "api", "node-a"), pod("team-a", "checkout", "node-b")}},
		{Name: "member2", Objects: []runtime.Object{pending, pod("team-a", "db", "node-c")}},
		{Name: "member3", NotReady: true, Objects: []runtime.Object{pod("default", "batch", "node-d")}},
	}
}

func TestGet(t *testing.T) {
	failing := append(members(), controlplanetest.Member{Name: "member4", Fail: "dial tcp 10.0.0.4:6443: connection refused"})
	tests := []struct {
		name       string
		members    []controlplanetest.Member
		forbid     string
		args       []string
		golden     string
		wantOut    string
		wantErrOut string
		wantErr    string
		// wantQuery must be part of a request's query (decoded).
		wantQuery string
		wantPath  string
	}{
		{name: "list", args: []string{"pods"}, golden: "pods.golden"},
		{name: "wide", args: []string{"pods", "-o", "wide"}, golden: "pods-wide.golden"},
		{name: "all namespaces", args: []string{"po", "-A"}, golden: "pods-all-namespaces.golden"},
		{name: "name in two clusters", args: []string{"pods", "web-0"}, golden: "pod-web-0.golden",
			wantQuery: "fieldSelector=metadata.name=web-0"},
		{name: "names each on their own", args: []string{"pods", "web-0", "api"}, golden: "pods-two-names.golden"},
		{name: "type/name as yaml", args: []string{"pod/api", "-o", "yaml"}, golden: "pod-api.yaml"},
		{name: "names by name", args: []string{"pod/api", "pod/web-0", "-o", "name"},
			wantOut: "pod/api\npod/web-0\npod/web-0\n"},
		{name: "names as yaml documents", args: []string{"pod/api", "pods/checkout", "-A", "-o", "yaml"}, golden: "pods-two-names.yaml"},
		{name: "name and field selector", args: []string{"pods", "web-0", "--field-selector", "metadata.namespace=default"},
			golden: "pod-web-0.golden", wantQuery: "fieldSelector=metadata.namespace=default,metadata.name=web-0"},
		{name: "name in no cluster", args: []string{"pods", "nope"}, wantErr: `pods "nope" not found in any cluster`},
		{name: "name in no cluster of -C", args: []string{"deploy", "nope", "-C", "member1,member2"},
			wantErr: `deployments.apps "nope" not found in clusters member1, member2`},
		{name: "ignore not found", args: []string{"pods", "nope", "--ignore-not-found"}},
		{name: "clusters", args: []string{"pods", "-C", "member3,member2"}, golden: "pods-member2-member3.golden",
			wantQuery: "clusters=member3,member2"},
		{name: "unknown cluster", args: []string{"pods", "-C", "member1,nope"}, wantErr: `cluster "nope" not found`},
		{name: "search", args: []string{"pods", "-A", "--search", "ckout"}, golden: "search-ckout.golden",
			wantPath: "/apis/search.karmada.io/v1alpha1/search/cache/api/v1/pods", wantQuery: "q=ckout"},
		{name: "failing cluster", members: failing, args: []string{"pods"}, golden: "pods.golden",
			wantErrOut: "Warning: cluster member4: dial tcp 10.0.0.4:6443: connection refused\n",
			wantErr:    "results are incomplete: cluster member4 failed"},
		{name: "failing cluster and a name", members: failing, args: []string{"pods", "web-0", "api"}, golden: "pods-two-names.golden",
			wantErrOut: "Warning: cluster member4: dial tcp 10.0.0.4:6443: connection refused\n",
			wantErr:    "results are incomplete: cluster member4 failed"},
		{name: "failing cluster, name found nowhere else", members: failing, args: []string{"pods", "nope"},
			wantErrOut: "Warning: cluster member4: dial tcp 10.0.0.4:6443: connection refused\n",
			wantErr:    `pods "nope" not found in any cluster; results are incomplete: cluster member4 failed`},
		{name: "forbidden", forbid: "pods", args: []string{"pods"},
			wantErr: `pods is forbidden: User "alice" cannot list resource "pods" in API group ""`},
		{name: "unknown type", args: []string{"widgets"}, wantErr: `the server doesn't have a resource type "widgets"`},
		{name: "no type", wantErr: "you must specify the type of resource to get"},
		{name: "mixed forms", args: []string{"pods", "pod/web-0"}, wantErr: "there is no need to specify a resource type"},
		{name: "raw", args: []string{"--raw", "/api/v1/namespaces/team-a/pods", "-C", "member2"}, golden: "raw-team-a-pods.json",
			wantPath: "/apis/search.karmada.io/v1alpha1/proxying/karmada/proxy/api/v1/namespaces/team-a/pods", wantQuery: "clusters=member2"},
		{name: "watch a name", args: []string{"pods", "web-0", "-w", "-C", "member1,member2"}, golden: "pod-web-0-watch.golden",
			wantQuery: "clusters=member1,member2&fieldSelector=metadata.name=web-0&resourceVersion=mc-1&watch=true"},
		{name: "watching several names", args: []string{"pods", "a", "b", "-w"}, wantErr: "watching several NAMEs is not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms := tt.members
			if ms == nil {
				ms = members()
			}
			srv := controlplanetest.New(t, ms...)
			if tt.forbid != "" {
				srv.Forbid(tt.forbid)
			}
			out, errOut, err := srv.Run(t, NewCmdGet, tt.args...)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("Execute() error = %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.wantErr)) {
				t.Fatalf("Execute() error = %v, want prefix %q", err, tt.wantErr)
			}
			if tt.golden != "" {
				golden.Assert(t, tt.golden, out.Bytes())
			} else if diff := cmp.Diff(tt.wantOut, out.String()); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantErrOut, errOut.String()); diff != "" {
				t.Errorf("error output (-want +got):\n%s", diff)
			}
			if tt.wantQuery != "" || tt.wantPath != "" {
				found := false
				for _, r := range srv.Requests() {
					if strings.Contains(unescape(t, r), tt.wantQuery) && strings.Contains(r, tt.wantPath) {
						found = true
					}
				}
				if !found {
					t.Errorf("no request with path %q and query %q in:\n%s", tt.wantPath, tt.wantQuery, strings.Join(srv.Requests(), "\n"))
				}
			}
		})
	}
}

func unescape(t *testing.T, s string) string {
	t.Helper()
	r := strings.NewReplacer("%3D", "=", "%2C", ",", "%2F", "/")
	return r.Replace(s)
}

func TestSplitArgs(t *testing.T) {
	tests := []struct {
		args    []string
		want    []Run
		wantErr string
	}{
		{args: []string{"pods"}, want: []Run{{Args: []string{"pods"}}}},
		{args: []string{"pods,svc"}, want: []Run{{Args: []string{"pods,svc"}}}},
		{args: []string{"pods", "a", "b"}, want: []Run{{Args: []string{"pods"}, Name: "a"}, {Args: []string{"pods"}, Name: "b"}}},
		{args: []string{"pod/a", "deploy/b"}, want: []Run{{Args: []string{"pod"}, Name: "a"}, {Args: []string{"deploy"}, Name: "b"}}},
		{args: []string{"pod/a", "b"}, wantErr: `arguments in resource/name form must have a single resource and name; "b" is not`},
		{args: []string{"pod/"}, wantErr: `arguments in resource/name form must have a single resource and name; "pod/" is not`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			got, err := SplitArgs(tt.args)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("SplitArgs() error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("SplitArgs() (-want +got):\n%s", diff)
			}
		})
	}
}
