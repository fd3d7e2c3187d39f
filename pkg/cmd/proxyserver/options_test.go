package proxyserver

import (
	"bytes"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	searchv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/search/v1alpha1"
)

// TestStorageCodecCoversServedGroups asserts that the etcd codec can store an object
// of every group the server serves from etcd, under its own group and version.
func TestStorageCodecCoversServedGroups(t *testing.T) {
	codec := NewOptions().Recommended.Etcd.StorageConfig.Codec
	tests := []struct {
		name       string
		obj        runtime.Object
		apiVersion string
	}{
		{name: "cluster", obj: &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "member1"}},
			apiVersion: `"apiVersion":"cluster.karmada.io/v1alpha1"`},
		{name: "resource registry", obj: &searchv1alpha1.ResourceRegistry{ObjectMeta: metav1.ObjectMeta{Name: "workloads"}},
			apiVersion: `"apiVersion":"search.karmada.io/v1alpha1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := runtime.Encode(codec, tt.obj)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			if !bytes.Contains(data, []byte(tt.apiVersion)) {
				t.Errorf("stored as %s, want %s", data, tt.apiVersion)
			}
			if _, err := runtime.Decode(codec, data); err != nil {
				t.Errorf("decode: %v", err)
			}
		})
	}
}
