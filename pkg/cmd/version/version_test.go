package version

import (
	"context"
	"errors"
	"github.com/fleetplane/fleetplane/internal/golden"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	apimachineryversion "k8s.io/apimachinery/pkg/version"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	fakediscovery "k8s.io/client-go/discovery/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/fleetplane/fleetplane/pkg/version"
)

func TestRun(t *testing.T) {
	client := version.Info{GitVersion: "v1.2.3", GoVersion: "go1.26.0", Platform: "linux/amd64"}
	discovery := func(served, reachable bool) *fakediscovery.FakeDiscovery {
		d := &fakediscovery.FakeDiscovery{Fake: &k8stesting.Fake{}, FakedServerVersion: &apimachineryversion.Info{
			Major: "1", Minor: "37", GitVersion: "v1.37.2", Platform: "linux/amd64",
		}}
		if served {
			d.Resources = []*metav1.APIResourceList{{
				GroupVersion: "cluster.karmada.io/v1alpha1",
				APIResources: []metav1.APIResource{{Name: "clusters", Kind: "Cluster"}},
			}}
		}
		if !reachable {
			d.PrependReactor("get", "version", func(k8stesting.Action) (bool, runtime.Object, error) {
				return true, nil, errors.New("connection refused")
			})
		}
		return d
	}
	tests := []struct {
		name       string
		clientOnly bool
		output     string
		served     bool
		unreach    bool
		golden     string
		wantErr    string
	}{
		{name: "text with the proxy", served: true, golden: "text.golden"},
		{name: "text without the proxy", golden: "text-not-registered.golden"},
		{name: "json", output: "json", served: true, golden: "json.golden"},
		{name: "yaml", output: "yaml", served: true, golden: "yaml.golden"},
		{name: "client only", clientOnly: true, golden: "client.golden"},
		{name: "unreachable control plane", unreach: true, golden: "client.golden",
			wantErr: "cannot reach the control plane: connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			streams, _, out, _ := genericiooptions.NewTestIOStreams()
			o := &VersionOptions{IOStreams: streams, ClientOnly: tt.clientOnly, Output: tt.output, ClientVersion: client}
			if !tt.clientOnly {
				o.Discovery = discovery(tt.served, !tt.unreach)
			}
			if err := o.Validate(); err != nil {
				t.Fatal(err)
			}
			err := o.Run(context.Background())
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Run() error = %v, want %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, tt.golden, out.Bytes())
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		output  string
		wantErr bool
	}{{"", false}, {"json", false}, {"yaml", false}, {"wide", true}}
	for _, tt := range tests {
		t.Run(tt.output, func(t *testing.T) {
			err := (&VersionOptions{Output: tt.output}).Validate()
			if (err != nil) != tt.wantErr {
				t.Errorf("Validate() error = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}
