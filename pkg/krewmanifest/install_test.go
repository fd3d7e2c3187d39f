package krewmanifest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type entry struct {
	name string
	mode int64
	body string
}

// writeArchive writes a .tar.gz of entries (names ending in / are directories)
// and returns its path and sha256.
func writeArchive(t *testing.T, entries ...entry) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: e.mode, Size: int64(len(e.body)), Typeflag: tar.TypeReg}
		if e.name[len(e.name)-1] == '/' {
			h.Typeflag, h.Size = tar.TypeDir, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(e.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "kubectl-karmada-linux-amd64.tar.gz")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := FileSHA256(file)
	if err != nil {
		t.Fatal(err)
	}
	return file, sum
}

func TestInstall(t *testing.T) {
	release := []entry{{"kubectl-karmada", 0o755, "#!/bin/sh\n"}, {"LICENSE", 0o644, "Apache-2.0\n"}}
	files := []FileOperation{{From: "kubectl-karmada", To: "."}, {From: "LICENSE", To: "."}}
	tests := []struct {
		name    string
		entries []entry
		// mutate edits the platform after its sha256 was set to the archive's.
		mutate func(pl *Platform)
		// wantFiles are installed, relative to the install directory.
		wantFiles []string
		wantErr   error
	}{
		{name: "release archive", entries: release, wantFiles: []string{"kubectl-karmada", "LICENSE"}},
		{
			name:    "directory moved whole, bin inside it",
			entries: []entry{{"release/", 0o755, ""}, {"release/bin/kubectl-karmada", 0o755, "x"}, {"release/README.md", 0o644, "x"}},
			mutate: func(pl *Platform) {
				pl.Files, pl.Bin = []FileOperation{{From: "release/*", To: "."}}, "bin/kubectl-karmada"
			},
			wantFiles: []string{"bin/kubectl-karmada", "README.md"},
		},
		{name: "tampered archive", entries: release, mutate: func(pl *Platform) { pl.Sha256 = strings.Repeat("0", 64) }, wantErr: ErrDigest},
		{name: "from matches nothing", entries: release[:1], wantErr: ErrBin},
		{name: "bin not executable", entries: []entry{{"kubectl-karmada", 0o644, "x"}, release[1]}, wantErr: ErrBin},
		{name: "bin elsewhere", entries: release, mutate: func(pl *Platform) { pl.Bin = "bin/kubectl-karmada" }, wantErr: ErrBin},
		{name: "entry outside the archive root", entries: append([]entry{{"../kubectl-karmada", 0o755, "x"}}, release...), wantErr: ErrPath},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			archive, sum := writeArchive(t, tt.entries...)
			pl := Platform{Sha256: sum, Bin: "kubectl-karmada", Files: files}
			if tt.mutate != nil {
				tt.mutate(&pl)
			}
			dir := filepath.Join(t.TempDir(), "store", "karmada", "v0.1.0")
			bin, err := Install(archive, pl, dir)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Install() = %q, %v; want %v", bin, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if want := filepath.Join(dir, filepath.FromSlash(pl.Bin)); bin != want {
				t.Errorf("Install() = %q, want %q", bin, want)
			}
			for _, f := range tt.wantFiles {
				if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
					t.Errorf("not installed: %v", err)
				}
			}
			// Nothing of the extraction is left behind.
			if left, _ := filepath.Glob(filepath.Join(dir, ".download-*")); len(left) > 0 {
				t.Errorf("left behind: %v", left)
			}
		})
	}
}
