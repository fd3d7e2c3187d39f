package framework

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// UserConfig returns a control-plane client configuration that authenticates as
// name with the given groups, through a client certificate signed by the control
// plane's CA. Such a user has no rights until a test grants them.
func (s *Sandbox) UserConfig(t testing.TB, name string, groups ...string) *rest.Config {
	t.Helper()
	certPEM, keyPEM := s.signClientCert(t, name, groups)
	cfg := rest.AnonymousClientConfig(s.RESTConfig(t, ControlPlane))
	cfg.CertData, cfg.KeyData = certPEM, keyPEM
	return cfg
}

// UserKubeconfig writes a kubeconfig for the control plane authenticating as
// name, and returns its path.
func (s *Sandbox) UserKubeconfig(t testing.TB, name string, groups ...string) string {
	t.Helper()
	cfg := s.UserConfig(t, name, groups...)
	kc := clientcmdapi.NewConfig()
	kc.Clusters[ControlPlane] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos[name] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData}
	kc.Contexts[ControlPlane] = &clientcmdapi.Context{Cluster: ControlPlane, AuthInfo: name}
	kc.CurrentContext = ControlPlane
	path := filepath.Join(t.TempDir(), name+".config")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatal(err)
	}
	return path
}

func (s *Sandbox) signClientCert(t testing.TB, name string, groups []string) (certPEM, keyPEM []byte) {
	t.Helper()
	caCertPEM, err := os.ReadFile(filepath.Join(s.Dir, "pki", "ca.crt"))
	if err != nil {
		t.Fatalf("reading the control plane's CA: %v", err)
	}
	caKeyPEM, err := os.ReadFile(filepath.Join(s.Dir, "pki", "ca.key"))
	if err != nil {
		t.Fatalf("reading the control plane's CA key: %v", err)
	}
	caBlock, _ := pem.Decode(caCertPEM)
	keyBlock, _ := pem.Decode(caKeyPEM)
	if caBlock == nil || keyBlock == nil {
		t.Fatal("the control plane's CA files are not PEM")
	}
	caCert, err := x509.ParseCertificate(caBlock.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	caKey, err := parsePrivateKey(keyBlock.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: name, Organization: groups},
		NotBefore:    time.Now().Add(-time.Minute),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, key.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
}

func parsePrivateKey(der []byte) (any, error) {
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return k, nil
	}
	if k, err := x509.ParseECPrivateKey(der); err == nil {
		return k, nil
	}
	return x509.ParsePKCS8PrivateKey(der)
}
