package apiresources

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetplane/fleetplane/internal/controlplanetest"
	"github.com/fleetplane/fleetplane/internal/golden"
)

// members: member2 also serves widgets, and serves pods with a verb more;
// member3 is not Ready.
func members() []controlplanetest.Member {
	withWidgets := controlplanetest.DefaultResources()
	withWidgets[0].APIResources[3].Verbs = append(withWidgets[0].APIResources[3].Verbs, "deletecollection")
	withWidgets = append(withWidgets, metav1.APIResourceList{GroupVersion: "example.io/v1", APIResources: []metav1.APIResource{
		{Name: "widgets", SingularName: "widget", Kind: "Widget", ShortNames: []string{"wd"}, Verbs: metav1.Verbs{"get", "list"}, Categories: []string{"all"}},
	}})
	return []controlplanetest.Member{
		{Name: "member1"},
		{Name: "member2", Resources: withWidgets},
		{Name: "member3", NotReady: true},
	}
}

func TestAPIResources(t *testing.T) {
	failing := append(members(), controlplanetest.Member{Name: "member4", Fail: "connection refused"})
	tests := []struct {
		name       string
		members    []controlplanetest.Member
		args       []string
		golden     string
		wantOut    string
		wantErrOut string
		wantErr    string
	}{
		{name: "every Ready cluster", golden: "all.golden"},
		{name: "wide", args: []string{"-o", "wide"}, golden: "wide.golden"},
		{name: "names", args: []string{"-o", "name"}, golden: "names.golden"},
		{name: "clusters", args: []string{"-C", "member3,member1", "--no-headers"}, golden: "member1-member3.golden"},
		{name: "group", args: []string{"--api-group", "apps", "-o", "name"}, wantOut: "deployments.apps\n"},
		{name: "core group", args: []string{"--api-group=", "--namespaced=false"}, golden: "core-cluster-scoped.golden"},
		{name: "cluster-scoped", args: []string{"--namespaced=false", "-o", "name"}, wantOut: "namespaces\nwidgets.example.io\n"},
		{name: "failing cluster", members: failing, golden: "all.golden",
			wantErrOut: "Warning: cluster member4: the server is currently unable to handle the request\n",
			wantErr:    "results are incomplete: cluster member4 failed"},
		{name: "unknown cluster", args: []string{"-C", "nope"}, wantErr: `cluster "nope" not found`},
		{name: "unknown output", args: []string{"-o", "yaml"}, wantErr: `--output "yaml" is not supported; use wide or name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms := tt.members
			if ms == nil {
				ms = members()
			}
			srv := controlplanetest.New(t, ms...)
			out, errOut, err := srv.Run(t, NewCmdAPIResources, tt.args...)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("Execute() error = %v", err)
			}
			if tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr) {
				t.Fatalf("Execute() error = %v, want %q", err, tt.wantErr)
			}
			if tt.golden != "" {
				golden.Assert(t, tt.golden, out.Bytes())
			} else if diff := cmp.Diff(tt.wantOut, out.String()); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantErrOut, errOut.String()); diff != "" {
				t.Errorf("error output (-want +got):\n%s", diff)
			}
		})
	}
}
