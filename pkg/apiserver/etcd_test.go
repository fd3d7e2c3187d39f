package apiserver_test

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// startEtcd runs a throwaway etcd for the tests that need real storage and returns
// its client URL. The test is skipped when there is no etcd binary: set ETCD_BINARY,
// or run `make binaries`, which builds _output/bin/etcd-<version>.
func startEtcd(t *testing.T) string {
	t.Helper()
	binary := os.Getenv("ETCD_BINARY")
	if binary == "" {
		found, _ := filepath.Glob("../../_output/bin/etcd-*")
		if len(found) == 0 {
			t.Skip("no etcd binary: set ETCD_BINARY or run `make binaries`")
		}
		binary = found[len(found)-1]
	}
	client, peer := "http://"+freeAddress(t), "http://"+freeAddress(t)
	cmd := exec.Command(binary, "--name", "test", "--data-dir", t.TempDir(),
		"--listen-client-urls", client, "--advertise-client-urls", client,
		"--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
		"--initial-cluster", "test="+peer, "--unsafe-no-fsync", "--log-level", "error")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	dieWithTest(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting etcd: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		resp, err := http.Get(client + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return client
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("etcd at %s did not become healthy: %v", client, err)
		}
	}
}

// freeAddress returns a loopback address with a port nothing listens on right now.
func freeAddress(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return fmt.Sprintf("127.0.0.1:%d", l.Addr().(*net.TCPAddr).Port)
}
