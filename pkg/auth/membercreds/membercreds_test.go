package membercreds

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
)

func TestRead(t *testing.T) {
	ref := &clusterv1alpha1.LocalSecretReference{Namespace: "karmada-cluster", Name: "member1"}
	secret := func(data map[string][]byte) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "karmada-cluster", Name: "member1"}, Data: data}
	}
	tests := []struct {
		name        string
		ref         *clusterv1alpha1.LocalSecretReference
		objects     []client.Object
		wantErr     string
		wantInvalid bool
	}{
		{
			name:        "no reference",
			wantErr:     "invalid credentials: spec.secretRef of cluster member1 is not set",
			wantInvalid: true,
		},
		{
			name:        "missing secret",
			ref:         ref,
			wantErr:     "invalid credentials: secret karmada-cluster/member1 named by spec.secretRef does not exist",
			wantInvalid: true,
		},
		{
			name:        "no token",
			ref:         ref,
			objects:     []client.Object{secret(map[string][]byte{"caBundle": []byte("pem")})},
			wantErr:     `invalid credentials: secret karmada-cluster/member1 named by spec.secretRef has no "token" key`,
			wantInvalid: true,
		},
		{
			name:    "complete",
			ref:     ref,
			objects: []client.Object{secret(map[string][]byte{"token": []byte("t")})},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scheme := runtime.NewScheme()
			if err := clientgoscheme.AddToScheme(scheme); err != nil {
				t.Fatal(err)
			}
			reader := fake.NewClientBuilder().WithScheme(scheme).WithObjects(tt.objects...).Build()
			c := &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "member1"}, Spec: clusterv1alpha1.ClusterSpec{SecretRef: tt.ref}}
			_, err := Read(context.Background(), reader, c)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if gotErr != tt.wantErr {
				t.Errorf("Read() error = %q, want %q", gotErr, tt.wantErr)
			}
			if got := errors.Is(err, ErrInvalidCredentials); got != tt.wantInvalid {
				t.Errorf("errors.Is(err, ErrInvalidCredentials) = %t, want %t", got, tt.wantInvalid)
			}
		})
	}
}

func TestRESTConfig(t *testing.T) {
	data := map[string][]byte{"token": []byte("t"), "caBundle": []byte("pem")}
	type view struct {
		Host     string
		CAData   string
		Insecure bool
		Proxy    bool
	}
	tests := []struct {
		name    string
		spec    clusterv1alpha1.ClusterSpec
		want    view
		wantErr bool
	}{
		{
			name: "host and port default to https",
			spec: clusterv1alpha1.ClusterSpec{APIEndpoint: "10.0.0.1:6443"},
			want: view{Host: "https://10.0.0.1:6443", CAData: "pem"},
		},
		{
			name: "URL kept",
			spec: clusterv1alpha1.ClusterSpec{APIEndpoint: "https://member1.example", ProxyURL: "socks5://proxy:1080"},
			want: view{Host: "https://member1.example", CAData: "pem", Proxy: true},
		},
		{
			name: "insecure drops the CA",
			spec: clusterv1alpha1.ClusterSpec{APIEndpoint: "https://member1.example", InsecureSkipTLSVerification: true},
			want: view{Host: "https://member1.example", Insecure: true},
		},
		{
			name:    "no endpoint",
			wantErr: true,
		},
		{
			name:    "malformed proxy",
			spec:    clusterv1alpha1.ClusterSpec{APIEndpoint: "https://member1.example", ProxyURL: "::"},
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "member1"}, Spec: tt.spec}
			cfg, err := RESTConfig(c, &corev1.Secret{Data: data})
			if (err != nil) != tt.wantErr {
				t.Fatalf("RESTConfig() error = %v, wantErr %t", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			got := view{Host: cfg.Host, CAData: string(cfg.CAData), Insecure: cfg.Insecure, Proxy: cfg.Proxy != nil}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("RESTConfig() mismatch (-want +got):\n%s", diff)
			}
			if cfg.BearerToken != "t" {
				t.Errorf("bearer token = %q, want %q", cfg.BearerToken, "t")
			}
		})
	}
}
