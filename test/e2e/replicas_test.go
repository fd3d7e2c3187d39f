package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	"github.com/fleetplane/fleetplane/test/e2e/framework"
)

// controllersLease is the Lease the proxy's controllers elect their leader with
// (pkg/federate.Run); its namespace is --leader-elect-namespace.
const controllersLease = "fleetplane-controllers"

// Lines client-go's leader election logs at the default verbosity: every replica
// logs the first when it starts campaigning, only the one that wins the second.
const (
	leaseAttempt  = "Attempting to acquire leader lease"
	leaseAcquired = "Successfully acquired lease"
)

// TestProxyReplicas starts a second proxy process with the sandbox proxy's own
// flags (same etcd, kubeconfigs and serving certificate) on another port, and
// checks that the two run side by side: the second becomes ready and serves the
// API itself from the shared etcd, the first keeps the controllers' Lease, and
// stopping the second leaves the first and its leadership untouched.
func TestProxyReplicas(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	first := sb.SandboxProxy(t)
	if v, ok := first.Flag("leader-elect"); ok && v == "false" {
		t.Skip("the sandbox's proxy runs without leader election")
	}
	if v, ok := first.Flag("controllers"); ok && v == "false" {
		t.Skip("the sandbox's proxy runs no controllers")
	}
	leaseNS := "karmada-system"
	if v, ok := first.Flag("leader-elect-namespace"); ok {
		leaseNS = v
	}
	cp := sb.Client(t, framework.ControlPlane)

	// The first replica must be the live holder before the second starts: a holder
	// whose renewals keep coming, while it is the only proxy process.
	holder := waitLiveHolder(ctx, t, cp, leaseNS)
	t.Logf("the sandbox's proxy (pid %d, port %d) holds %s/%s as %q", first.PID, first.Port(t), leaseNS, controllersLease, holder.holder)

	second := sb.StartProxyReplica(t, first)
	t.Logf("second replica: pid %d, port %d, log %s", second.PID(), second.Port, second.LogPath)
	started := time.Now()

	t.Run("second replica becomes ready", func(t *testing.T) {
		anonymous := readyzClient(t, sb)
		admin := kubernetes.NewForConfigOrDie(sb.ProxyConfig(t, second.Port))
		url := fmt.Sprintf("https://127.0.0.1:%d/readyz", second.Port)
		framework.WaitFor(ctx, t, 90*time.Second, "the second replica's /readyz", func(ctx context.Context) (bool, string, error) {
			if exited(second) {
				t.Fatalf("the second replica exited before becoming ready: %v\n%s", second.ExitErr(), second.LogTail(40))
			}
			code, body, err := get(ctx, anonymous, url+"?verbose")
			if err != nil {
				return false, "", err
			}
			return code == http.StatusOK, fmt.Sprintf("HTTP %d: %s", code, lastLines(body, 8)), nil
		})
		t.Logf("ready %s after start", time.Since(started).Round(100*time.Millisecond))
		// The same endpoint as the sandbox admin, with its client certificate.
		body, err := admin.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		if err != nil || string(body) != "ok" {
			t.Fatalf("/readyz as the admin: %q, %v", body, err)
		}
	})
	if t.Failed() {
		return
	}

	t.Run("the first replica keeps the lease", func(t *testing.T) {
		framework.WaitFor(ctx, t, 30*time.Second, "the second replica to campaign for the lease", func(context.Context) (bool, string, error) {
			log := second.Log()
			return strings.Contains(log, leaseAttempt), lastLines(log, 3), nil
		})
		// Observe the Lease for a while: the same holder, no transition, renewals
		// continuing, and the second replica never winning.
		deadline := time.Now().Add(10 * time.Second)
		last := holder
		for time.Now().Before(deadline) {
			cur := readLease(ctx, t, cp, leaseNS)
			if cur.holder != holder.holder || cur.transitions != holder.transitions {
				t.Fatalf("the Lease changed hands with two replicas running: was %q (transitions %d), now %q (transitions %d)",
					holder.holder, holder.transitions, cur.holder, cur.transitions)
			}
			last = cur
			if err := first.Alive(); err != nil {
				t.Fatal(err)
			}
			if exited(second) {
				t.Fatalf("the second replica exited as a follower: %v\n%s", second.ExitErr(), second.LogTail(40))
			}
			time.Sleep(time.Second)
		}
		if !last.renewed.After(holder.renewed) {
			t.Fatalf("the holder %q stopped renewing the Lease (last renewal %s)", holder.holder, holder.renewed.Format(time.RFC3339Nano))
		}
		log := second.Log()
		if strings.Contains(log, leaseAcquired) {
			t.Fatalf("the second replica logged %q while the first held the Lease", leaseAcquired)
		}
		t.Logf("over 10s the Lease stayed with %q (transitions %d, renewed %s); the second replica only logged %q",
			last.holder, last.transitions, last.renewed.Format(time.RFC3339Nano), leaseAttempt)
	})

	replica := sb.ProxyConfig(t, second.Port)
	replicaClient := kubernetes.NewForConfigOrDie(replica)

	t.Run("second replica serves the API", func(t *testing.T) {
		t.Run("list clusters", func(t *testing.T) {
			body, err := replicaClient.Discovery().RESTClient().Get().AbsPath("/apis/cluster.karmada.io/v1alpha1/clusters").DoRaw(ctx)
			if err != nil {
				t.Fatalf("listing clusters on the second replica: %v: %s", err, body)
			}
			var list clusterv1alpha1.ClusterList
			if err := json.Unmarshal(body, &list); err != nil {
				t.Fatal(err)
			}
			var fromReplica []string
			for _, c := range list.Items {
				fromReplica = append(fromReplica, c.Name)
			}
			var viaControlPlane clusterv1alpha1.ClusterList
			if err := sb.Karmada(t).List(ctx, &viaControlPlane); err != nil {
				t.Fatal(err)
			}
			var fromControlPlane []string
			for _, c := range viaControlPlane.Items {
				fromControlPlane = append(fromControlPlane, c.Name)
			}
			slices.Sort(fromReplica)
			slices.Sort(fromControlPlane)
			if !slices.Equal(fromReplica, framework.Members) || !slices.Equal(fromReplica, fromControlPlane) {
				t.Fatalf("the second replica lists clusters %v; the control plane %v; want %v", fromReplica, fromControlPlane, framework.Members)
			}
		})
		t.Run("per-cluster proxy", func(t *testing.T) {
			body, err := replicaClient.Discovery().RESTClient().Get().AbsPath(proxyPath(framework.Member1, "/api/v1/namespaces/default")).DoRaw(ctx)
			if err != nil {
				t.Fatalf("GET through the second replica's proxy to member1: %v: %s", err, body)
			}
			var ns corev1.Namespace
			if err := json.Unmarshal(body, &ns); err != nil {
				t.Fatal(err)
			}
			if ns.Name != "default" || ns.UID == "" {
				t.Fatalf("got %s", body)
			}
			direct, err := sb.Client(t, framework.Member1).CoreV1().Namespaces().Get(ctx, "default", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if ns.UID != direct.UID {
				t.Fatalf("the namespace through the second replica has UID %s, member1's has %s", ns.UID, direct.UID)
			}
		})
		t.Run("global proxy", func(t *testing.T) {
			resp, err := framework.GlobalProxy(t, replica).Get(ctx, "/api/v1/namespaces")
			if err != nil {
				t.Fatal(err)
			}
			list, err := framework.DecodeList(resp)
			if err != nil {
				t.Fatal(err)
			}
			keys := list.Keys()
			for _, m := range framework.Members {
				if !slices.Contains(keys, m+"//default") {
					t.Fatalf("the global proxy on the second replica has no namespace default of %s: %v", m, keys)
				}
			}
		})
	})

	t.Run("a write through the control plane shows on the second replica", func(t *testing.T) {
		const key = "e2e.fleetplane.io/replicas"
		value := framework.RandomName("v")
		karmada := sb.Karmada(t)
		c := &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: framework.Member1}}
		setLabel := func(ctx context.Context, v any) error {
			patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{"labels": map[string]any{key: v}}})
			return karmada.Patch(ctx, c, client.RawPatch(types.MergePatchType, patch))
		}
		if err := setLabel(ctx, value); err != nil {
			t.Fatalf("labelling cluster %s through the control plane: %v", framework.Member1, err)
		}
		t.Cleanup(func() {
			if err := setLabel(context.Background(), nil); err != nil {
				t.Errorf("removing the label: %v", err)
			}
		})
		written := time.Now()
		replicaKarmada := sb.ClientFor(t, replica)
		framework.WaitFor(ctx, t, 5*time.Second, "the label on the second replica", func(ctx context.Context) (bool, string, error) {
			var got clusterv1alpha1.Cluster
			if err := replicaKarmada.Get(ctx, client.ObjectKey{Name: framework.Member1}, &got); err != nil {
				return false, "", err
			}
			return got.Labels[key] == value, fmt.Sprintf("labels %v", got.Labels), nil
		})
		t.Logf("visible on the second replica %s after the write", time.Since(written).Round(time.Millisecond))
	})

	t.Run("stopping the second replica leaves the first untouched", func(t *testing.T) {
		took, err := second.Stop(30 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("the second replica ended %s after SIGTERM: %v", took.Round(time.Millisecond), exitStatus(second.ExitErr()))
		if err := second.ExitErr(); err != nil {
			t.Errorf("the second replica did not exit cleanly on SIGTERM: %v\n%s", err, second.LogTail(20))
		}
		if err := first.Alive(); err != nil {
			t.Fatal(err)
		}
		// Renewals must go on after the stop, by the same holder.
		stopped := time.Now()
		framework.WaitFor(ctx, t, 15*time.Second, "a renewal of the Lease after the stop", func(ctx context.Context) (bool, string, error) {
			cur := readLease(ctx, t, cp, leaseNS)
			if cur.holder != holder.holder || cur.transitions != holder.transitions {
				t.Fatalf("the Lease changed hands when the second replica stopped: was %q (transitions %d), now %q (transitions %d)",
					holder.holder, holder.transitions, cur.holder, cur.transitions)
			}
			return cur.renewed.After(stopped), "renewed " + cur.renewed.Format(time.RFC3339Nano), nil
		})
		out, err := sb.Kubectl(ctx, framework.ControlPlane, "get", "clusters", "-o", "name")
		if err != nil {
			t.Fatal(err)
		}
		want := "cluster.cluster.karmada.io/member1\ncluster.cluster.karmada.io/member2\ncluster.cluster.karmada.io/member3\n"
		if out != want {
			t.Fatalf("kubectl get clusters through the control plane:\n%s\nwant\n%s", out, want)
		}
		if err := first.Alive(); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(second.Log(), leaseAcquired) {
			t.Fatalf("the second replica logged %q", leaseAcquired)
		}
	})
}

// leaseState is what the test follows of the controllers' Lease.
type leaseState struct {
	holder      string
	transitions int32
	renewed     time.Time
}

func readLease(ctx context.Context, t *testing.T, cp kubernetes.Interface, ns string) leaseState {
	t.Helper()
	l, err := cp.CoordinationV1().Leases(ns).Get(ctx, controllersLease, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("reading Lease %s/%s: %v", ns, controllersLease, err)
	}
	return leaseOf(l)
}

func leaseOf(l *coordinationv1.Lease) leaseState {
	var s leaseState
	if l.Spec.HolderIdentity != nil {
		s.holder = *l.Spec.HolderIdentity
	}
	if l.Spec.LeaseTransitions != nil {
		s.transitions = *l.Spec.LeaseTransitions
	}
	if l.Spec.RenewTime != nil {
		s.renewed = l.Spec.RenewTime.Time
	}
	return s
}

// waitLiveHolder waits until the Lease has a holder that renewed it twice in a row,
// and returns the state after the second renewal.
func waitLiveHolder(ctx context.Context, t *testing.T, cp kubernetes.Interface, ns string) leaseState {
	t.Helper()
	var first, last leaseState
	framework.WaitFor(ctx, t, 60*time.Second, "a live holder of the controllers' Lease", func(ctx context.Context) (bool, string, error) {
		l, err := cp.CoordinationV1().Leases(ns).Get(ctx, controllersLease, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		cur := leaseOf(l)
		seen := fmt.Sprintf("holder %q renewed %s", cur.holder, cur.renewed.Format(time.RFC3339Nano))
		if cur.holder == "" {
			first = leaseState{}
			return false, seen, nil
		}
		if first.holder != cur.holder || first.transitions != cur.transitions {
			first = cur
			return false, seen, nil
		}
		last = cur
		return cur.renewed.After(first.renewed), seen, nil
	})
	return last
}

// readyzClient is an anonymous HTTPS client that trusts the proxy's serving CA.
func readyzClient(t *testing.T, sb *framework.Sandbox) *http.Client {
	t.Helper()
	ca, err := os.ReadFile(sb.ProxyCAFile())
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		t.Fatalf("%s holds no certificate", sb.ProxyCAFile())
	}
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

func get(ctx context.Context, c *http.Client, url string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

func exited(r *framework.ProxyReplica) bool {
	select {
	case <-r.Exited():
		return true
	default:
		return false
	}
}

func exitStatus(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
