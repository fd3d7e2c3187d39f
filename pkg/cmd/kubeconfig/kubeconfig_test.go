package kubeconfig

import (
	"bytes"
	"context"
	"github.com/fleetplane/fleetplane/internal/golden"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/tools/clientcmd"
)

func TestRun(t *testing.T) {
	base, err := (&clientcmd.ClientConfigLoadingRules{ExplicitPath: filepath.Join("testdata", "control-plane.config")}).Load()
	if err != nil {
		t.Fatal(err)
	}
	registered := func(context.Context) ([]string, error) { return []string{"member3", "member1", "member2"}, nil }
	outFile := filepath.Join(t.TempDir(), "members.config")
	tests := []struct {
		name        string
		clusters    []string
		contextName string
		outputFile  string
		golden      string
		wantOut     string
		wantErr     string
	}{
		{name: "all clusters to stdout", golden: "all.golden"},
		{name: "chosen clusters and context", clusters: []string{"member2", "member1"}, contextName: "as-bot", golden: "chosen.golden"},
		{name: "to a file", clusters: []string{"member3"}, outputFile: outFile, golden: "file.golden",
			wantOut: "kubeconfig for member3 written to " + outFile + "\n"},
		{name: "unknown cluster", clusters: []string{"member1", "member9"},
			wantErr: `cluster "member9" is not registered with the control plane (known: member1, member2, member3)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			streams, _, out, _ := genericiooptions.NewTestIOStreams()
			o := &KubeconfigOptions{
				IOStreams: streams, Clusters: tt.clusters, OutputFile: tt.outputFile,
				Base: base.DeepCopy(), ContextName: tt.contextName, ListClusters: registered,
			}
			if err := o.Validate(); err != nil {
				t.Fatal(err)
			}
			err := o.Run(context.Background())
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Run() error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := out.Bytes()
			if tt.outputFile != "" {
				if diff := cmp.Diff(tt.wantOut, out.String()); diff != "" {
					t.Errorf("output (-want +got):\n%s", diff)
				}
				if got, err = os.ReadFile(tt.outputFile); err != nil {
					t.Fatal(err)
				}
			}
			golden.Assert(t, tt.golden, got)
			// The result must be usable as is.
			if _, err := clientcmd.Load(got); err != nil {
				t.Errorf("the kubeconfig does not load: %v", err)
			}
			if !bytes.Contains(got, []byte("/apis/cluster.karmada.io/v1alpha1/clusters/")) {
				t.Errorf("the kubeconfig does not go through the cluster proxy")
			}
		})
	}
}
