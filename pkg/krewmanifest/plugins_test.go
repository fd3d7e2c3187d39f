package krewmanifest

import (
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// The committed manifest and where `make krew` leaves the archives it describes.
var (
	committedManifest = filepath.Join("..", "..", "plugins", "karmada.yaml")
	releaseArchives   = filepath.Join("..", "..", "_output", "krew")
)

// TestCommittedManifest checks plugins/karmada.yaml: krew's rules, a platform for every
// release target, and the release layout hack/krew.sh produces.
func TestCommittedManifest(t *testing.T) {
	p, err := ValidateFile(committedManifest, ReleaseTargets)
	if err != nil {
		t.Fatal(err)
	}
	// The plugin's binary is the command kubectl runs, built from cmd/kubectl-<name>.
	binary := BinaryPrefix + p.Metadata.Name
	if _, err := os.Stat(filepath.Join("..", "..", "cmd", binary, "main.go")); err != nil {
		t.Errorf("metadata.name %q does not name a binary: %v", p.Metadata.Name, err)
	}
	for _, target := range ReleaseTargets {
		pl, err := p.Platform(target)
		if err != nil {
			t.Fatal(err)
		}
		want := "/releases/download/" + p.Spec.Version + "/" + binary + "-" + target.OS + "-" + target.Arch + ".tar.gz"
		if !strings.HasSuffix(pl.URI, want) {
			t.Errorf("%s: uri %s does not end in %s", target, pl.URI, want)
		}
		if strings.Trim(pl.Sha256, "0") == "" {
			t.Errorf("%s: sha256 is a placeholder; run `make krew`", target)
		}
	}
}

// TestReleaseArchives installs each archive that `make krew` left in _output/krew with
// the committed manifest, as krew would: its digest must match and its files must
// install the plugin's executable. Without archives there is nothing to check.
func TestReleaseArchives(t *testing.T) {
	p, err := Load(committedManifest)
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range ReleaseTargets {
		t.Run(target.String(), func(t *testing.T) {
			pl, err := p.Platform(target)
			if err != nil {
				t.Fatal(err)
			}
			archive := filepath.Join(releaseArchives, path.Base(pl.URI))
			if _, err := os.Stat(archive); os.IsNotExist(err) {
				t.Skipf("no %s; run `make krew` to build the archives", archive)
			}
			bin, err := Install(archive, pl, t.TempDir())
			if err != nil {
				t.Fatalf("%v\nafter a build, plugins/karmada.yaml has to be the one `make krew` wrote: run it again", err)
			}
			t.Logf("%s installs %s", filepath.Base(archive), filepath.Base(bin))
		})
	}
}
