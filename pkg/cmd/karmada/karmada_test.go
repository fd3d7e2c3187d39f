package karmada

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/fleetplane/fleetplane/internal/controlplanetest"
)

func TestCommandTree(t *testing.T) {
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	root := NewCmdKarmada(streams)
	var got []string
	for _, c := range root.Commands() {
		if c.Name() == "help" {
			continue
		}
		got = append(got, c.Name())
		if c.Example == "" {
			t.Errorf("%s has no examples", c.CommandPath())
		}
		if c.RunE == nil {
			t.Errorf("%s does not return its errors", c.CommandPath())
		}
	}
	want := []string{"api-resources", "completion", "cordon", "describe", "exec", "get", "join", "kubeconfig", "logs", "promote",
		"propagate", "taint", "uncordon", "unjoin", "version"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("subcommands (-want +got):\n%s", diff)
	}
	if !root.SilenceUsage || !root.SilenceErrors {
		t.Errorf("the root command must leave error printing to its caller")
	}
	for _, flag := range []string{"kubeconfig", "context", "namespace", "v"} {
		if root.PersistentFlags().Lookup(flag) == nil {
			t.Errorf("missing global flag --%s", flag)
		}
	}
}

func TestCompletion(t *testing.T) {
	tests := []struct {
		shell   string
		want    string
		wantErr string
	}{
		{shell: "bash", want: "__kubectl-karmada_"},
		{shell: "zsh", want: "#compdef kubectl-karmada"},
		{shell: "fish", wantErr: `invalid argument "fish" for "kubectl karmada completion"`},
	}
	for _, tt := range tests {
		t.Run(tt.shell, func(t *testing.T) {
			streams, _, out, _ := genericiooptions.NewTestIOStreams()
			root := NewCmdKarmada(streams)
			root.SetArgs([]string{"completion", tt.shell})
			err := root.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("Execute() error = %v, want prefix %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), tt.want) {
				t.Errorf("script does not contain %q", tt.want)
			}
		})
	}
}

func TestNameCompletionIsWired(t *testing.T) {
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	root := NewCmdKarmada(streams)
	for _, name := range []string{"unjoin", "cordon", "uncordon", "taint"} {
		c, _, err := root.Find([]string{name})
		if err != nil {
			t.Fatal(err)
		}
		if c.ValidArgsFunction == nil {
			t.Errorf("%s does not complete cluster names", name)
		}
	}
	kc, _, err := root.Find([]string{"kubeconfig"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := kc.GetFlagCompletionFunc("clusters"); !ok {
		t.Errorf("kubeconfig --clusters does not complete cluster names")
	}
	for _, c := range []struct{ cmd, flag string }{
		{"get", "clusters"}, {"describe", "clusters"}, {"api-resources", "clusters"}, {"logs", "cluster"}, {"exec", "cluster"},
	} {
		sub, _, err := root.Find([]string{c.cmd})
		if err != nil {
			t.Fatal(err)
		}
		if f := sub.Flags().ShorthandLookup("C"); f == nil || f.Name != c.flag {
			t.Errorf("%s has no -C/--%s", c.cmd, c.flag)
		}
		if _, ok := sub.GetFlagCompletionFunc(c.flag); !ok {
			t.Errorf("%s --%s does not complete cluster names", c.cmd, c.flag)
		}
	}
}

// TestClusterFlagCompletion completes -C through the root command, from the
// Cluster objects of a fake control plane.
func TestClusterFlagCompletion(t *testing.T) {
	srv := controlplanetest.New(t, controlplanetest.Member{Name: "member1"}, controlplanetest.Member{Name: "member2"},
		controlplanetest.Member{Name: "edge"})
	kubeconfig := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(kubeconfig, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{args: []string{"get", "pods", "-C", "mem"}, want: "member1\nmember2\n:6\n"},
		{args: []string{"describe", "pod", "x", "-C", "member1,e"}, want: "member1,edge\n:6\n"},
		{args: []string{"api-resources", "--clusters", ""}, want: "edge\nmember1\nmember2\n:6\n"},
		{args: []string{"logs", "web-0", "-C", "e"}, want: "edge\n:4\n"},
		{args: []string{"exec", "web-0", "--cluster", "member2"}, want: "member2\n:4\n"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			streams, _, out, _ := genericiooptions.NewTestIOStreams()
			root := NewCmdKarmada(streams)
			root.SetArgs(append([]string{"__complete", "--kubeconfig", kubeconfig, "--server", srv.URL}, tt.args...))
			if err := root.Execute(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, out.String()); diff != "" {
				t.Errorf("completions (-want +got):\n%s", diff)
			}
		})
	}
}
