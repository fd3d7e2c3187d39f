package join

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

func TestValidate(t *testing.T) {
	valid := func() *JoinOptions {
		o := NewJoinOptions(genericiooptions.IOStreams{})
		o.Name, o.ClusterKubeconfig = "member1", "members.config"
		o.ClusterLabels = []string{"env=prod", "example.com/team=web"}
		return o
	}
	tests := []struct {
		name    string
		change  func(*JoinOptions)
		wantErr string
	}{
		{name: "valid"},
		{name: "no member kubeconfig", change: func(o *JoinOptions) { o.ClusterKubeconfig = "" },
			wantErr: "--cluster-kubeconfig is required: the kubeconfig of the member cluster to join"},
		{name: "name with capitals", change: func(o *JoinOptions) { o.Name = "Member1" },
			wantErr: `invalid cluster name "Member1": a lowercase RFC 1123 label must consist of`},
		{name: "name too long for its execution namespace", change: func(o *JoinOptions) { o.Name = strings.Repeat("a", 53) },
			wantErr: `invalid cluster name "` + strings.Repeat("a", 53) + `": at most 52 characters, so that namespace karmada-es-... fits`},
		{name: "label without value", change: func(o *JoinOptions) { o.ClusterLabels = []string{"env"} },
			wantErr: `invalid --cluster-labels entry "env": want key=value`},
		{name: "bad label key", change: func(o *JoinOptions) { o.ClusterLabels = []string{"-env=prod"} },
			wantErr: `invalid --cluster-labels key "-env": name part must consist of`},
		{name: "negative wait", change: func(o *JoinOptions) { o.Wait = -time.Second }, wantErr: "--wait must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := valid()
			if tt.change != nil {
				tt.change(o)
			}
			err := o.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() error = %v", err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Fatalf("Validate() error = %v, want prefix %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseLabels(t *testing.T) {
	got, err := parseLabels([]string{"b=2", "a=1", "a=3", "empty="})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"a": "3", "b": "2", "empty": ""}, got); diff != "" {
		t.Errorf("parseLabels() (-want +got):\n%s", diff)
	}
}
