package krewmanifest

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Install installs the platform's archive into dir the way krew does, and returns
// the path of the plugin's executable: it checks the archive against the platform's
// sha256, extracts it, moves each match of the files' From globs into their To
// directories, and checks that bin then is an executable file. Krew would also link
// the executable into its bin directory as kubectl-<name>; that is left to the caller.
//
// Only .tar.gz archives are supported, the format fleetplane releases.
func Install(archive string, pl Platform, dir string) (string, error) {
	sum, err := FileSHA256(archive)
	if err != nil {
		return "", err
	}
	if sum != pl.Sha256 {
		return "", fmt.Errorf("%w: %s has sha256 %s, the manifest says %s", ErrDigest, archive, sum, pl.Sha256)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	// Extract next to the install directory's contents, so that moving is a rename.
	staging, err := os.MkdirTemp(dir, ".download-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(staging)
	if err := extractTarGz(archive, staging); err != nil {
		return "", fmt.Errorf("extracting %s: %w", archive, err)
	}
	for _, f := range pl.Files {
		if !filepath.IsLocal(f.From) || !filepath.IsLocal(f.To) {
			return "", fmt.Errorf("%w: files entry %s -> %s", ErrPath, f.From, f.To)
		}
		matches, err := filepath.Glob(filepath.Join(staging, filepath.FromSlash(f.From)))
		if err != nil {
			return "", fmt.Errorf("files entry %s: %w", f.From, err)
		}
		if len(matches) == 0 {
			return "", fmt.Errorf("%w: files entry %q matches nothing in %s", ErrBin, f.From, filepath.Base(archive))
		}
		to := filepath.Join(dir, filepath.FromSlash(f.To))
		if err := os.MkdirAll(to, 0o755); err != nil {
			return "", err
		}
		for _, m := range matches {
			if err := os.Rename(m, filepath.Join(to, filepath.Base(m))); err != nil {
				return "", err
			}
		}
	}
	if !filepath.IsLocal(pl.Bin) {
		return "", fmt.Errorf("%w: bin %q", ErrPath, pl.Bin)
	}
	bin := filepath.Join(dir, filepath.FromSlash(pl.Bin))
	st, err := os.Stat(bin)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "", fmt.Errorf("%w: nothing was installed at %s", ErrBin, pl.Bin)
	case err != nil:
		return "", err
	case !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0:
		return "", fmt.Errorf("%w: %s is not an executable file (%s)", ErrBin, pl.Bin, st.Mode())
	}
	return bin, nil
}

// FileSHA256 returns the hex-encoded sha256 of a file's contents.
func FileSHA256(file string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("reading %s: %w", file, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// extractTarGz extracts the directories and regular files of a .tar.gz into dir,
// refusing entries that would land outside it.
func extractTarGz(archive, dir string) error {
	f, err := os.Open(archive)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if !filepath.IsLocal(h.Name) {
			return fmt.Errorf("%w: archive entry %q", ErrPath, h.Name)
		}
		target := filepath.Join(dir, filepath.FromSlash(h.Name))
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(target, 0o755)
		case tar.TypeReg:
			err = writeFile(target, tr, h.FileInfo().Mode().Perm())
		default:
			err = fmt.Errorf("archive entry %q: unsupported type %q", h.Name, h.Typeflag)
		}
		if err != nil {
			return err
		}
	}
}

func writeFile(name string, r io.Reader, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
