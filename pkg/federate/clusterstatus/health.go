package clusterstatus

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
)

// Reasons of the Ready condition.
const (
	ReasonClusterReady        = "ClusterReady"
	ReasonClusterNotReady     = "ClusterNotReady"
	ReasonClusterNotReachable = "ClusterNotReachable"
	ReasonInvalidCredentials  = "InvalidCredentials"
)

// Reasons of the CompleteAPIEnablements condition.
const (
	ReasonAPIEnablementsComplete = "Complete"
	ReasonAPIEnablementsPartial  = "Partial"
)

// health is the outcome of a probe, as the Ready condition reports it.
type health struct {
	ready   bool
	reason  string
	message string
}

// probe asks the member's /readyz, or /healthz on servers without it. A transport
// failure means the member is unreachable; any answer but 200 means it is unhealthy.
func probe(ctx context.Context, client discovery.DiscoveryInterface, timeout time.Duration) health {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	h := probePath(ctx, client, "/readyz")
	if h.notFound {
		h = probePath(ctx, client, "/healthz")
	}
	return h.health
}

type probeResult struct {
	health
	notFound bool
}

func probePath(ctx context.Context, client discovery.DiscoveryInterface, path string) probeResult {
	var code int
	body, err := client.RESTClient().Get().AbsPath(path).Do(ctx).StatusCode(&code).Raw()
	switch {
	case code == http.StatusOK:
		return probeResult{health: health{ready: true, reason: ReasonClusterReady, message: "cluster is healthy and ready to accept workloads"}}
	case code == 0:
		return probeResult{health: health{reason: ReasonClusterNotReachable, message: fmt.Sprintf("cannot reach the cluster: %v", err)}}
	case code == http.StatusUnauthorized:
		return probeResult{health: health{reason: ReasonInvalidCredentials,
			message: "the cluster rejected the token of spec.secretRef (401 Unauthorized)"}}
	case code == http.StatusNotFound:
		return probeResult{notFound: true, health: health{reason: ReasonClusterNotReady, message: fmt.Sprintf("GET %s: 404 Not Found", path)}}
	}
	return probeResult{health: health{reason: ReasonClusterNotReady,
		message: fmt.Sprintf("GET %s answered %d: %s", path, code, firstLines(body, err))}}
}

// firstLines keeps the start of a health answer, which lists the failed checks.
func firstLines(body []byte, err error) string {
	s := strings.TrimSpace(string(body))
	if s == "" && err != nil {
		s = err.Error()
	}
	const limit = 512
	if len(s) > limit {
		s = s[:limit] + "..."
	}
	return s
}

// apis is the outcome of API discovery.
type apis struct {
	enablements []clusterv1alpha1.APIEnablement
	// failed lists the group versions discovery could not read; the enablements
	// then list only the others.
	failed []string
}

// discover lists the member's resources. A partial failure still returns what was
// found; a complete failure returns an error.
func discover(ctx context.Context, client discovery.DiscoveryInterface, timeout time.Duration) (apis, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_, lists, err := discovery.ServerGroupsAndResourcesWithContext(ctx, discovery.ToDiscoveryInterfaceWithContext(client))
	var out apis
	if err != nil {
		var partial *discovery.ErrGroupDiscoveryFailed
		if !errors.As(err, &partial) {
			return apis{}, fmt.Errorf("discovering APIs: %w", err)
		}
		for gv := range partial.Groups {
			out.failed = append(out.failed, gv.String())
		}
		slices.Sort(out.failed)
	}
	out.enablements = enablements(lists)
	return out, nil
}

// enablements turns discovery lists into the status form: sorted by group version
// and resource name, without subresources.
func enablements(lists []*metav1.APIResourceList) []clusterv1alpha1.APIEnablement {
	var out []clusterv1alpha1.APIEnablement
	for _, l := range lists {
		if l == nil {
			continue
		}
		if _, err := schema.ParseGroupVersion(l.GroupVersion); err != nil {
			continue
		}
		e := clusterv1alpha1.APIEnablement{GroupVersion: l.GroupVersion}
		for _, r := range l.APIResources {
			if strings.Contains(r.Name, "/") {
				continue
			}
			e.Resources = append(e.Resources, clusterv1alpha1.APIResource{Name: r.Name, Kind: r.Kind})
		}
		if len(e.Resources) == 0 {
			continue
		}
		slices.SortFunc(e.Resources, func(a, b clusterv1alpha1.APIResource) int { return strings.Compare(a.Name, b.Name) })
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b clusterv1alpha1.APIEnablement) int { return strings.Compare(a.GroupVersion, b.GroupVersion) })
	return out
}
