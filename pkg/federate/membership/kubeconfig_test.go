package membership

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"k8s.io/client-go/tools/clientcmd/api"
)

func TestSelectClusters(t *testing.T) {
	known := []string{"member2", "member1", "member3"}
	tests := []struct {
		name      string
		known     []string
		requested []string
		want      []string
		wantErr   string
	}{
		{name: "all, sorted", known: known, want: []string{"member1", "member2", "member3"}},
		{name: "requested order, deduplicated", known: known, requested: []string{"member3", "member1", "member3"}, want: []string{"member3", "member1"}},
		{name: "unknown name", known: known, requested: []string{"member1", "nope"},
			wantErr: `cluster "nope" is not registered with the control plane (known: member1, member2, member3)`},
		{name: "nothing registered", wantErr: "no member clusters are registered with the control plane"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SelectClusters(tt.known, tt.requested)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("SelectClusters() error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("SelectClusters() (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUnifiedKubeconfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	caFile, certFile, tokenFile := write("ca.crt", "CA"), write("client.crt", "CERT"), write("token", "TOKEN\n")

	base := func() *api.Config {
		c := api.NewConfig()
		c.CurrentContext = "karmada"
		c.Clusters["cp"] = &api.Cluster{Server: "https://cp:6443/", CertificateAuthority: caFile, TLSServerName: "cp.internal"}
		c.AuthInfos["admin"] = &api.AuthInfo{ClientCertificate: certFile, ClientKeyData: []byte("KEY")}
		c.AuthInfos["bot"] = &api.AuthInfo{TokenFile: tokenFile}
		c.Contexts["karmada"] = &api.Context{Cluster: "cp", AuthInfo: "admin", Namespace: "ignored"}
		c.Contexts["as-bot"] = &api.Context{Cluster: "cp", AuthInfo: "bot"}
		c.Contexts["broken"] = &api.Context{Cluster: "missing", AuthInfo: "admin"}
		return c
	}
	proxied := func(name string) *api.Cluster {
		c := api.NewCluster()
		c.Server = "https://cp:6443/apis/cluster.karmada.io/v1alpha1/clusters/" + name + "/proxy"
		c.CertificateAuthorityData = []byte("CA")
		c.TLSServerName = "cp.internal"
		return c
	}
	context := func(cluster, user string) *api.Context {
		c := api.NewContext()
		c.Cluster, c.AuthInfo = cluster, user
		return c
	}
	tests := []struct {
		name        string
		contextName string
		clusters    []string
		want        func() *api.Config
		wantErr     string
	}{
		{
			name:     "current context, certificate embedded",
			clusters: []string{"member2", "member1"},
			want: func() *api.Config {
				c := api.NewConfig()
				c.CurrentContext = "member2"
				c.Clusters["member1"], c.Clusters["member2"] = proxied("member1"), proxied("member2")
				c.Contexts["member1"], c.Contexts["member2"] = context("member1", "admin"), context("member2", "admin")
				auth := api.NewAuthInfo()
				auth.ClientCertificateData, auth.ClientKeyData = []byte("CERT"), []byte("KEY")
				c.AuthInfos["admin"] = auth
				return c
			},
		},
		{
			name:        "chosen context, token file embedded",
			contextName: "as-bot",
			clusters:    []string{"member1"},
			want: func() *api.Config {
				c := api.NewConfig()
				c.CurrentContext = "member1"
				c.Clusters["member1"] = proxied("member1")
				c.Contexts["member1"] = context("member1", "bot")
				auth := api.NewAuthInfo()
				auth.Token = "TOKEN"
				c.AuthInfos["bot"] = auth
				return c
			},
		},
		{name: "unknown context", contextName: "nope", clusters: []string{"member1"}, wantErr: `context "nope" not found in the kubeconfig`},
		{name: "context without its cluster", contextName: "broken", clusters: []string{"member1"},
			wantErr: `cluster "missing" of context "broken" not found in the kubeconfig`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := base()
			got, err := UnifiedKubeconfig(in, tt.contextName, tt.clusters)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("UnifiedKubeconfig() error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want(), got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("UnifiedKubeconfig() (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(base(), in); diff != "" {
				t.Errorf("UnifiedKubeconfig() changed its input (-want +got):\n%s", diff)
			}
		})
	}
}
