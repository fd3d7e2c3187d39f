package apiserver

import (
	"net/http/httptest"
	"testing"

	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apiserver/pkg/endpoints/request"
)

// TestLongRunningRequests asserts that streams and upgrades through the proxy are
// exempt from the server's request timeout, and that ordinary requests are not.
func TestLongRunningRequests(t *testing.T) {
	resolver := &request.RequestInfoFactory{APIPrefixes: sets.NewString("api", "apis"), GrouplessAPIPrefixes: sets.NewString("api")}
	base := "/apis/cluster.karmada.io/v1alpha1/clusters/member1"
	tests := []struct {
		name   string
		method string
		path   string
		want   bool
	}{
		{name: "watch clusters", method: "GET", path: "/apis/cluster.karmada.io/v1alpha1/clusters?watch=true", want: true},
		{name: "proxied watch", method: "GET", path: base + "/proxy/api/v1/pods?watch=true", want: true},
		{name: "proxied logs -f", method: "GET", path: base + "/proxy/api/v1/namespaces/d/pods/p/log?follow=true", want: true},
		{name: "proxied exec", method: "POST", path: base + "/proxy/api/v1/namespaces/d/pods/p/exec?command=ls", want: true},
		{name: "proxied attach", method: "POST", path: base + "/proxy/api/v1/namespaces/d/pods/p/attach", want: true},
		{name: "proxied port-forward", method: "POST", path: base + "/proxy/api/v1/namespaces/d/pods/p/portforward", want: true},
		{name: "proxied list", method: "GET", path: base + "/proxy/api/v1/pods", want: true},
		{name: "get cluster", method: "GET", path: base, want: false},
		{name: "list clusters", method: "GET", path: "/apis/cluster.karmada.io/v1alpha1/clusters", want: false},
		{name: "update status", method: "PUT", path: base + "/status", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, nil)
			info, err := resolver.NewRequestInfo(req)
			if err != nil {
				t.Fatal(err)
			}
			if got := LongRunningFunc(req, info); got != tt.want {
				t.Errorf("long running = %v, want %v (info %+v)", got, tt.want, info)
			}
		})
	}
}
