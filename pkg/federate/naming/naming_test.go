package naming

import "testing"

func TestWorkNameIsStableAndDistinct(t *testing.T) {
	tests := []struct {
		name     string
		a, b     [3]string
		wantSame bool
	}{
		{name: "same template", a: [3]string{"Deployment", "default", "nginx"}, b: [3]string{"Deployment", "default", "nginx"}, wantSame: true},
		{name: "kind differs", a: [3]string{"Deployment", "default", "nginx"}, b: [3]string{"Service", "default", "nginx"}},
		{name: "namespace differs", a: [3]string{"Deployment", "a", "nginx"}, b: [3]string{"Deployment", "b", "nginx"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, y := WorkName(tt.a[0], tt.a[1], tt.a[2]), WorkName(tt.b[0], tt.b[1], tt.b[2])
			if (x == y) != tt.wantSame {
				t.Fatalf("WorkName %q vs %q, want same=%v", x, y, tt.wantSame)
			}
		})
	}
}

func TestReservedNamespaces(t *testing.T) {
	tests := map[string]bool{"kube-system": true, "kube-public": true, "karmada-system": true, "karmada-cluster": true,
		"karmada-es-member1": true, "default": false, "team-a": false}
	for ns, want := range tests {
		if got := IsReservedNamespace(ns); got != want {
			t.Errorf("IsReservedNamespace(%q) = %v, want %v", ns, got, want)
		}
	}
}
