// Command krew-manifest writes a release's version and archive digests into the krew
// manifest, then validates it; hack/krew.sh runs it after packing the archives:
//
//	go run ./hack/krew-manifest -manifest plugins/karmada.yaml -version v0.1.0 \
//		linux/amd64=_output/krew/kubectl-karmada-linux-amd64.tar.gz ...
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/fleetplane/fleetplane/pkg/krewmanifest"
)

func main() {
	manifest := flag.String("manifest", "plugins/karmada.yaml", "Krew manifest to update in place.")
	version := flag.String("version", "", "Release version for spec.version, e.g. v0.1.0.")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: krew-manifest -manifest FILE -version VERSION OS/ARCH=ARCHIVE...\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := run(os.Stdout, *manifest, *version, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "krew-manifest:", err)
		os.Exit(1)
	}
}

func run(out io.Writer, manifest, version string, archives []string) error {
	digests := map[krewmanifest.Target]string{}
	for _, arg := range archives {
		platform, archive, ok := strings.Cut(arg, "=")
		if !ok {
			return fmt.Errorf("argument %q is not OS/ARCH=ARCHIVE", arg)
		}
		t, err := krewmanifest.ParseTarget(platform)
		if err != nil {
			return err
		}
		if digests[t], err = krewmanifest.FileSHA256(archive); err != nil {
			return err
		}
		fmt.Fprintf(out, "krew: %-13s sha256 %s  %s\n", t, digests[t], filepath.Base(archive))
	}
	data, err := os.ReadFile(manifest)
	if err != nil {
		return err
	}
	updated, err := krewmanifest.Update(data, version, digests)
	if err != nil {
		return fmt.Errorf("%s: %w", manifest, err)
	}
	// Write next to the manifest and rename, so that a failure leaves it untouched;
	// validate the written copy, which is also named after the plugin as krew requires.
	tmpDir, err := os.MkdirTemp(filepath.Dir(manifest), ".krew-manifest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmpDir)
	tmp := filepath.Join(tmpDir, filepath.Base(manifest))
	if err := os.WriteFile(tmp, updated, 0o644); err != nil {
		return err
	}
	if _, err := krewmanifest.ValidateFile(tmp, krewmanifest.ReleaseTargets); err != nil {
		return fmt.Errorf("%s would not be a valid krew manifest: %w", manifest, err)
	}
	if err := os.Rename(tmp, manifest); err != nil {
		return err
	}
	fmt.Fprintf(out, "krew: %s now describes %s with %d archive digest(s)\n", manifest, version, len(digests))
	return nil
}
