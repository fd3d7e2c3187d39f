package karmada

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/cli-runtime/pkg/genericiooptions"
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
	want := []string{"completion", "cordon", "join", "kubeconfig", "promote", "propagate", "taint", "uncordon", "unjoin", "version"}
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
}
