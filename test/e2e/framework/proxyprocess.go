package framework

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/rest"
)

// SandboxProxy is the proxy process the sandbox runs (hack/sandbox.sh start_proxy),
// as found through its pid file. Tests read it; they never signal it.
type SandboxProxy struct {
	PID int
	// Args is its command line; Args[0] is the binary.
	Args []string
}

// SandboxProxy returns the sandbox's running proxy process, or skips the test when
// the sandbox does not run one as a local process.
func (s *Sandbox) SandboxProxy(t testing.TB) *SandboxProxy {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(s.Dir, "proxy.pid"))
	if err != nil {
		t.Skipf("the sandbox runs no local proxy process: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatalf("proxy.pid: %v", err)
	}
	args, err := cmdline(pid)
	if err != nil {
		t.Skipf("cannot read the command line of the sandbox's proxy (pid %d): %v", pid, err)
	}
	if len(args) == 0 || filepath.Base(args[0]) != "proxy" {
		t.Fatalf("pid %d of proxy.pid is not the proxy: %q", pid, args)
	}
	return &SandboxProxy{PID: pid, Args: args}
}

func cmdline(pid int) ([]string, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return nil, err
	}
	return strings.Split(strings.TrimSuffix(string(raw), "\x00"), "\x00"), nil
}

// Flag returns the value of --name in the command line, in either the
// "--name value" or the "--name=value" form.
func (p *SandboxProxy) Flag(name string) (string, bool) {
	return flagValue(p.Args[1:], name)
}

func flagValue(args []string, name string) (string, bool) {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v, true
		}
		if a == "--"+name && i+1 < len(args) {
			return args[i+1], true
		}
	}
	return "", false
}

// Port is the proxy's --secure-port.
func (p *SandboxProxy) Port(t testing.TB) int {
	t.Helper()
	v, ok := p.Flag("secure-port")
	if !ok {
		t.Fatalf("the sandbox's proxy has no --secure-port: %q", p.Args)
	}
	port, err := strconv.Atoi(v)
	if err != nil {
		t.Fatalf("--secure-port %q: %v", v, err)
	}
	return port
}

// Alive reports an error unless the process still runs with the same command line
// (and so was neither stopped nor restarted).
func (p *SandboxProxy) Alive() error {
	args, err := cmdline(p.PID)
	if err != nil {
		return fmt.Errorf("the sandbox's proxy (pid %d) is gone: %w", p.PID, err)
	}
	if !slices.Equal(args, p.Args) {
		return fmt.Errorf("pid %d now runs %q, not the sandbox's proxy", p.PID, args)
	}
	return nil
}

// ArgsWithPort returns the command line's arguments (without the binary) with
// --secure-port replaced by port.
func (p *SandboxProxy) ArgsWithPort(port int) []string {
	var out []string
	args := p.Args[1:]
	for i := 0; i < len(args); i++ {
		switch {
		case strings.HasPrefix(args[i], "--secure-port="):
		case args[i] == "--secure-port":
			i++
		default:
			out = append(out, args[i])
		}
	}
	return append(out, "--secure-port", strconv.Itoa(port))
}

// ProxyReplica is a proxy process a test started beside the sandbox's own.
type ProxyReplica struct {
	Port int
	// LogPath holds the process's standard output and error.
	LogPath string
	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error
}

// StartProxyReplica starts another process of the sandbox proxy's binary with the
// same flags (plus extraArgs) but its own free --secure-port, logging to a file under the test's
// temporary folder. The process is stopped when the test ends; if the test failed,
// the end of its log is printed.
func (s *Sandbox) StartProxyReplica(t testing.TB, p *SandboxProxy, extraArgs ...string) *ProxyReplica {
	t.Helper()
	dir := t.TempDir()
	r := &ProxyReplica{Port: FreePort(t), LogPath: filepath.Join(dir, "proxy.log"), exited: make(chan struct{})}
	logFile, err := os.Create(r.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	// Flags given later win, so extraArgs override the sandbox proxy's own.
	r.cmd = exec.Command(p.Args[0], append(p.ArgsWithPort(r.Port), extraArgs...)...)
	r.cmd.Stdout, r.cmd.Stderr = logFile, logFile
	r.cmd.SysProcAttr = childAttrs()
	if err := r.cmd.Start(); err != nil {
		_ = logFile.Close()
		t.Fatalf("starting %s: %v", p.Args[0], err)
	}
	go func() {
		r.waitErr = r.cmd.Wait()
		_ = logFile.Close()
		close(r.exited)
	}()
	// Registered after t.TempDir, so it runs before the folder is removed.
	t.Cleanup(func() {
		if _, err := r.Stop(30 * time.Second); err != nil {
			t.Errorf("stopping the proxy replica: %v", err)
		}
		if t.Failed() {
			t.Logf("end of the replica's log (%s):\n%s", r.LogPath, r.LogTail(60))
		}
	})
	return r
}

// PID is the process id.
func (r *ProxyReplica) PID() int { return r.cmd.Process.Pid }

// Exited is closed once the process has ended.
func (r *ProxyReplica) Exited() <-chan struct{} { return r.exited }

// ExitErr is the process's exit status; valid once Exited is closed.
func (r *ProxyReplica) ExitErr() error { return r.waitErr }

// Stop sends SIGTERM and waits up to timeout for the process to end, then kills it.
// It returns how long the process took to end after SIGTERM, and an error if it had
// to be killed. Stopping an ended process does nothing.
func (r *ProxyReplica) Stop(timeout time.Duration) (time.Duration, error) {
	select {
	case <-r.exited:
		return 0, nil
	default:
	}
	start := time.Now()
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return 0, err
	}
	select {
	case <-r.exited:
		return time.Since(start), nil
	case <-time.After(timeout):
		_ = r.cmd.Process.Kill()
		<-r.exited
		return time.Since(start), fmt.Errorf("pid %d did not end within %s of SIGTERM; killed", r.cmd.Process.Pid, timeout)
	}
}

// Log returns the process's log so far.
func (r *ProxyReplica) Log() string {
	b, _ := os.ReadFile(r.LogPath)
	return string(b)
}

// LogTail returns the last n lines of the log.
func (r *ProxyReplica) LogTail(n int) string {
	lines := bytes.Split(bytes.TrimRight([]byte(r.Log()), "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// ProxyConfig returns the sandbox admin's configuration (the control plane's client
// certificate) for a proxy process listening on 127.0.0.1:port, verifying its
// serving certificate with the sandbox's proxy CA.
func (s *Sandbox) ProxyConfig(t testing.TB, port int) *rest.Config {
	t.Helper()
	ca, err := os.ReadFile(s.ProxyCAFile())
	if err != nil {
		t.Fatalf("reading the proxy's serving CA: %v", err)
	}
	cfg := rest.CopyConfig(s.RESTConfig(t, ControlPlane))
	cfg.Host = fmt.Sprintf("https://127.0.0.1:%d", port)
	cfg.CAData, cfg.CAFile, cfg.ServerName, cfg.Insecure = ca, "", "", false
	return cfg
}

// ProxyCAFile is the CA that signed the sandbox proxy's serving certificate.
func (s *Sandbox) ProxyCAFile() string {
	return filepath.Join(s.Dir, "proxy-pki", "ca.crt")
}

// FreePort returns a TCP port of 127.0.0.1 that nothing listens on, outside the
// ranges the sandboxes use.
func FreePort(t testing.TB) int {
	t.Helper()
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
		if (port >= 32400 && port < 32440) || (port >= 31400 && port < 31440) {
			continue
		}
		return port
	}
	t.Fatal("no free port")
	return 0
}
