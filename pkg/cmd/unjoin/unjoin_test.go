package unjoin

import (
	"testing"
	"time"

	"k8s.io/cli-runtime/pkg/genericiooptions"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*UnjoinOptions)
		wantErr string
	}{
		{name: "stored credentials"},
		{name: "member kubeconfig and context", change: func(o *UnjoinOptions) { o.ClusterKubeconfig, o.ClusterContext = "m.config", "member1" }},
		{name: "context without kubeconfig", change: func(o *UnjoinOptions) { o.ClusterContext = "member1" },
			wantErr: "--cluster-context needs --cluster-kubeconfig"},
		{name: "negative wait", change: func(o *UnjoinOptions) { o.Wait = -time.Second }, wantErr: "--wait must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := NewUnjoinOptions(genericiooptions.IOStreams{})
			o.Name = "member1"
			if tt.change != nil {
				tt.change(o)
			}
			err := o.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Validate() error = %v", err)
			case tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr):
				t.Fatalf("Validate() error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}
