package e2e

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/fleetplane/fleetplane/pkg/krewmanifest"
	"github.com/fleetplane/fleetplane/test/e2e/framework"
)

// krewVersion is stamped into the test's build. Its release version (without the build
// metadata) differs from the committed manifest's, so the test sees hack/krew.sh
// rewrite spec.version and the uris as well as the digest.
const (
	krewVersion = "v0.0.0-e2e.1+krew"
	krewRelease = "v0.0.0-e2e.1"
)

// TestKrewInstall installs the plugin from its krew manifest the way krew does, without
// krew: hack/krew.sh builds the host's archive and fills its digest into a copy of the
// manifest; the archive is checked against that digest, extracted, laid out by the
// manifest's files, and linked into a bin directory as kubectl-karmada. kubectl's own
// plugin discovery then finds it on PATH.
func TestKrewInstall(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	host := krewmanifest.Target{OS: runtime.GOOS, Arch: runtime.GOARCH}
	tmp := t.TempDir()

	// hack/krew.sh rewrites a copy of the committed manifest, named as krew requires.
	committed := filepath.Join(root, "plugins", "karmada.yaml")
	data, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(tmp, "karmada.yaml")
	writeFile(t, manifest, string(data))
	archives := filepath.Join(tmp, "archives")
	runKrewScript(ctx, t, root, "VERSION="+krewVersion, "KREW_PLATFORMS="+host.String(),
		"KREW_OUTPUT="+archives, "KREW_MANIFEST="+manifest)

	p, err := krewmanifest.ValidateFile(manifest, krewmanifest.ReleaseTargets)
	if err != nil {
		t.Fatalf("hack/krew.sh wrote an invalid manifest: %v", err)
	}
	if p.Spec.Version != krewRelease {
		t.Errorf("spec.version = %q, want %q", p.Spec.Version, krewRelease)
	}
	pl, err := p.Platform(host)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(pl.URI, "/"+krewRelease+"/") {
		t.Errorf("uri %s does not name the release %s", pl.URI, krewRelease)
	}
	// Krew would download the uri; the archive of that name that the script packed
	// stands in for the download.
	archive := filepath.Join(archives, path.Base(pl.URI))

	t.Run("the committed digest refuses another build", func(t *testing.T) {
		old, err := krewmanifest.Load(committed)
		if err != nil {
			t.Fatal(err)
		}
		oldPl, err := old.Platform(host)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := krewmanifest.Install(archive, oldPl, t.TempDir()); !errors.Is(err, krewmanifest.ErrDigest) {
			t.Fatalf("installing a %s build with the committed manifest: %v, want %v", krewVersion, err, krewmanifest.ErrDigest)
		}
	})

	// Krew's layout: the install directory in the store, a link named kubectl-<name> in bin.
	krewRoot := filepath.Join(tmp, "krew")
	bin, err := krewmanifest.Install(archive, pl, filepath.Join(krewRoot, "store", p.Metadata.Name, p.Spec.Version))
	if err != nil {
		t.Fatal(err)
	}
	binDir := filepath.Join(krewRoot, "bin")
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(bin, filepath.Join(binDir, krewmanifest.BinaryPrefix+p.Metadata.Name)); err != nil {
		t.Fatal(err)
	}
	// kubectl karmada ..., found through PATH like any kubectl plugin.
	kubectl := func(args ...string) (string, string, error) {
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "kubectl", args...)
		cmd.Env = append(os.Environ(),
			"PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"),
			"KUBECONFIG="+sb.Kubeconfig(framework.ControlPlane))
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return stdout.String(), stderr.String(), err
	}

	t.Run("version", func(t *testing.T) {
		out, stderr, err := kubectl("karmada", "version")
		if err != nil {
			t.Fatalf("kubectl karmada version: %v\n%s", err, stderr)
		}
		// The version proves that kubectl ran the installed build, not another one on PATH.
		for _, want := range []string{
			"Client Version: " + krewVersion + " (",
			", " + host.String() + ")\n",
			"Server Version: v",
			"Proxy: available\n",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("kubectl karmada version does not print %q:\n%s", want, out)
			}
		}
	})

	t.Run("kubeconfig", func(t *testing.T) {
		out, stderr, err := kubectl("karmada", "kubeconfig", "--clusters", framework.Member1)
		if err != nil {
			t.Fatalf("kubectl karmada kubeconfig: %v\n%s", err, stderr)
		}
		cfg, err := clientcmd.Load([]byte(out))
		if err != nil {
			t.Fatalf("the plugin printed no kubeconfig: %v\n%s", err, out)
		}
		if len(cfg.Contexts) != 1 || cfg.Contexts[framework.Member1] == nil || cfg.CurrentContext != framework.Member1 {
			t.Fatalf("want only the context %s, current; got %v (current %q)", framework.Member1, slices.Sorted(maps.Keys(cfg.Contexts)), cfg.CurrentContext)
		}
		server := cfg.Clusters[cfg.Contexts[framework.Member1].Cluster].Server
		if !strings.HasSuffix(server, proxyPath(framework.Member1, "")) {
			t.Errorf("member1's server %s is not its cluster proxy", server)
		}
		// Plain kubectl reaches member1 with it.
		kc := filepath.Join(t.TempDir(), "member1.config")
		writeFile(t, kc, out)
		got, stderr, err := kubectl("--kubeconfig", kc, "get", "namespace", "default", "-o", "name")
		if err != nil || got != "namespace/default\n" {
			t.Fatalf("kubectl get namespace default through the kubeconfig = %q, %v\n%s", got, err, stderr)
		}
	})

	t.Run("get across clusters", func(t *testing.T) {
		// A pod of the test's own on member1, so that the list is never empty.
		member1 := sb.Client(t, framework.Member1)
		ns := framework.CreateNamespace(ctx, t, member1, "e2e-krew-get")
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "krew-get", Namespace: ns},
			Spec:       lightDeployment(ns, "krew-get", 1).Spec.Template.Spec,
		}
		if _, err := member1.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		out, stderr, err := kubectl("karmada", "get", "pods", "-A")
		if err != nil {
			t.Fatalf("kubectl karmada get pods -A: %v\n%s", err, stderr)
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if header := strings.Fields(lines[0]); len(header) < 3 || header[0] != "NAMESPACE" || header[1] != "CLUSTER" || header[2] != "NAME" {
			t.Fatalf("kubectl karmada get pods -A has no CLUSTER column after NAMESPACE:\n%s", out)
		}
		if !slices.ContainsFunc(lines[1:], func(line string) bool {
			row := strings.Fields(line)
			return len(row) > 2 && row[0] == ns && row[1] == framework.Member1 && row[2] == pod.Name
		}) {
			t.Errorf("kubectl karmada get pods -A does not list %s/%s in %s:\n%s", ns, pod.Name, framework.Member1, out)
		}
	})

	t.Run("an unknown cluster fails through kubectl", func(t *testing.T) {
		out, stderr, err := kubectl("karmada", "kubeconfig", "--clusters", "no-such-cluster")
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 {
			t.Fatalf("kubectl karmada kubeconfig --clusters no-such-cluster = %v, want exit status 1\n%s%s", err, out, stderr)
		}
		if want := `error: cluster "no-such-cluster" is not registered`; !strings.Contains(stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr)
		}
		if out != "" {
			t.Errorf("printed a kubeconfig despite the error:\n%s", out)
		}
	})
}

// runKrewScript runs hack/krew.sh with env added. Building the host's archive takes
// minutes with a cold build cache, hence a limit of its own.
func runKrewScript(ctx context.Context, t *testing.T, root string, env ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(root, "hack", "krew.sh"))
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	t.Logf("hack/krew.sh:\n%s", out)
	if err != nil {
		t.Fatalf("hack/krew.sh: %v", err)
	}
}
