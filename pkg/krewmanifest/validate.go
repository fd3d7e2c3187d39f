package krewmanifest

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Problems Validate and Install report; test them with errors.Is.
var (
	ErrParse     = errors.New("cannot parse the krew manifest")
	ErrType      = errors.New("not a krew Plugin manifest")
	ErrName      = errors.New("invalid plugin name")
	ErrVersion   = errors.New("spec.version is not a semantic version with a leading v")
	ErrRequired  = errors.New("required field is empty")
	ErrURL       = errors.New("not an absolute URL")
	ErrSHA256    = errors.New("sha256 is not 64 lowercase hex digits")
	ErrSelector  = errors.New("invalid platform selector")
	ErrPath      = errors.New("path leaves the install directory")
	ErrBin       = errors.New("bin is not installed by the files")
	ErrPlatforms = errors.New("platforms do not cover the release targets")
	ErrDigest    = errors.New("archive does not match its sha256")
)

var (
	// nameRE follows krew's naming guide: lowercase words joined by dashes, and
	// (checked apart) without the kubectl- prefix, as users type it after `kubectl `.
	nameRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	// semverRE is SemVer 2.0.0 (semver.org) with the leading v that krew requires.
	semverRE = regexp.MustCompile(`^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)` +
		`(-(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(\.(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*)?` +
		`(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`)
	sha256RE = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// Validate checks p against krew's documented rules for plugin manifests, and that
// each of targets is served by exactly one platform. It reports every problem
// found, joined.
func Validate(p *Plugin, targets []Target) error {
	var errs []error
	add := func(field string, err error) { errs = append(errs, fmt.Errorf("%s: %w", field, err)) }

	if p.APIVersion != APIVersion || p.Kind != Kind {
		add("apiVersion/kind", fmt.Errorf("%w: %s/%s, want %s/%s", ErrType, p.APIVersion, p.Kind, APIVersion, Kind))
	}
	name := p.Metadata.Name
	switch {
	case !nameRE.MatchString(name):
		add("metadata.name", fmt.Errorf("%w: %q is not lowercase words joined by dashes", ErrName, name))
	case strings.HasPrefix(name, BinaryPrefix):
		add("metadata.name", fmt.Errorf("%w: %q repeats the %s prefix that kubectl adds", ErrName, name, BinaryPrefix))
	}
	if !semverRE.MatchString(p.Spec.Version) {
		add("spec.version", fmt.Errorf("%w: %q", ErrVersion, p.Spec.Version))
	}
	if p.Spec.ShortDescription == "" {
		add("spec.shortDescription", ErrRequired)
	}
	if p.Spec.Homepage == "" {
		add("spec.homepage", ErrRequired)
	} else if err := checkURL(p.Spec.Homepage, "http", "https"); err != nil {
		add("spec.homepage", err)
	}
	if len(p.Spec.Platforms) == 0 {
		add("spec.platforms", ErrRequired)
	}
	for i, pl := range p.Spec.Platforms {
		for _, err := range validatePlatform(pl, name) {
			add(fmt.Sprintf("spec.platforms[%d]", i), err)
		}
	}
	for _, t := range targets {
		switch m := p.Matches(t); len(m) {
		case 0:
			add("spec.platforms", fmt.Errorf("%w: no platform matches %s", ErrPlatforms, t))
		case 1:
		default:
			add("spec.platforms", fmt.Errorf("%w: platforms %v all match %s; krew would silently take the first", ErrPlatforms, m, t))
		}
	}
	return errors.Join(errs...)
}

// ValidateFile loads the manifest at path and validates it, also checking krew's rule
// that a manifest is named after its plugin (plugin foo lives in foo.yaml).
func ValidateFile(file string, targets []Target) (*Plugin, error) {
	p, err := Load(file)
	if err != nil {
		return nil, err
	}
	var errs []error
	if want := strings.TrimSuffix(filepath.Base(file), ".yaml"); p.Metadata.Name != want {
		errs = append(errs, fmt.Errorf("metadata.name: %w: %q, but the file is named for %q", ErrName, p.Metadata.Name, want))
	}
	errs = append(errs, Validate(p, targets))
	return p, errors.Join(errs...)
}

func validatePlatform(pl Platform, name string) []error {
	var errs []error
	field := func(f string, err error) { errs = append(errs, fmt.Errorf("%s: %w", f, err)) }

	if pl.Selector == nil {
		field("selector", ErrRequired)
	} else if _, err := metav1.LabelSelectorAsSelector(pl.Selector); err != nil {
		field("selector", fmt.Errorf("%w: %v", ErrSelector, err))
	}
	if pl.URI == "" {
		field("uri", ErrRequired)
	} else if err := checkURL(pl.URI, "https"); err != nil {
		field("uri", err)
	}
	if !sha256RE.MatchString(pl.Sha256) {
		field("sha256", fmt.Errorf("%w: %q", ErrSHA256, pl.Sha256))
	}
	if len(pl.Files) == 0 {
		field("files", ErrRequired)
	}
	for j, f := range pl.Files {
		if f.From == "" || f.To == "" {
			field(fmt.Sprintf("files[%d]", j), fmt.Errorf("%w: from and to are both required", ErrRequired))
			continue
		}
		if !filepath.IsLocal(f.From) {
			field(fmt.Sprintf("files[%d].from", j), fmt.Errorf("%w: %q", ErrPath, f.From))
		}
		if !filepath.IsLocal(f.To) {
			field(fmt.Sprintf("files[%d].to", j), fmt.Errorf("%w: %q", ErrPath, f.To))
		}
		if _, err := path.Match(f.From, ""); err != nil {
			field(fmt.Sprintf("files[%d].from", j), fmt.Errorf("glob %q: %w", f.From, err))
		}
	}
	switch {
	case pl.Bin == "":
		field("bin", ErrRequired)
	case !filepath.IsLocal(pl.Bin):
		field("bin", fmt.Errorf("%w: %q", ErrPath, pl.Bin))
	case nameRE.MatchString(name) && strings.TrimSuffix(path.Base(pl.Bin), ".exe") != BinaryPrefix+name:
		field("bin", fmt.Errorf("%w: %q is not named %s%s, the executable kubectl runs for `kubectl %s`",
			ErrBin, pl.Bin, BinaryPrefix, name, name))
	case len(pl.Files) > 0 && !installedBy(pl.Bin, pl.Files):
		field("bin", fmt.Errorf("%w: no files entry puts anything at %q", ErrBin, pl.Bin))
	}
	return errs
}

// installedBy reports whether one of files can place something at bin. Krew moves
// each match of From into To under its base name, so bin is installed either as a
// match itself (To is bin's directory) or inside a matched directory (To is an
// ancestor); in both cases the first element of bin below To must match From's last
// element. What the glob matches in the archive is for Install to find out.
func installedBy(bin string, files []FileOperation) bool {
	bin = path.Clean(bin)
	for _, f := range files {
		to := path.Clean(f.To)
		rel := bin
		if to != "." {
			var ok bool
			if rel, ok = strings.CutPrefix(bin, to+"/"); !ok {
				continue
			}
		}
		first, _, _ := strings.Cut(rel, "/")
		if ok, _ := path.Match(path.Base(path.Clean(f.From)), first); ok {
			return true
		}
	}
	return false
}

func checkURL(raw string, schemes ...string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || !slices.Contains(schemes, u.Scheme) {
		return fmt.Errorf("%w: %q needs to be an %s URL", ErrURL, raw, strings.Join(schemes, " or "))
	}
	return nil
}
