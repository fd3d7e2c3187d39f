package krewmanifest

import (
	"fmt"
	"os"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

// The type of a krew plugin manifest.
const (
	APIVersion = "krew.googlecontainertools.github.com/v1alpha2"
	Kind       = "Plugin"
)

// BinaryPrefix starts the name of every kubectl plugin executable: kubectl runs
// `kubectl NAME` as kubectl-NAME, and krew links the plugin's bin under that name.
const BinaryPrefix = "kubectl-"

// Plugin is the part of krew's Plugin manifest that fleetplane uses.
type Plugin struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Metadata   Metadata `json:"metadata"`
	Spec       Spec     `json:"spec"`
}

// Metadata names the plugin; krew installs it as kubectl-<name>.
type Metadata struct {
	Name string `json:"name"`
}

// Spec describes the plugin and where its release archives are.
type Spec struct {
	Version          string     `json:"version"`
	Homepage         string     `json:"homepage,omitempty"`
	ShortDescription string     `json:"shortDescription,omitempty"`
	Description      string     `json:"description,omitempty"`
	Caveats          string     `json:"caveats,omitempty"`
	Platforms        []Platform `json:"platforms"`
}

// Platform is one release archive and how to install it.
type Platform struct {
	// Selector picks the platform by the labels os and arch (GOOS and GOARCH);
	// krew uses the first platform whose selector matches the machine.
	Selector *metav1.LabelSelector `json:"selector,omitempty"`
	// URI is where krew downloads the archive (.tar.gz or .zip) from.
	URI string `json:"uri"`
	// Sha256 is the archive's digest, hex-encoded as sha256sum prints it.
	Sha256 string `json:"sha256"`
	// Files move paths out of the extracted archive into the install directory.
	Files []FileOperation `json:"files,omitempty"`
	// Bin is the executable's path in the install directory, after Files ran.
	Bin string `json:"bin"`
}

// FileOperation moves what the glob From matches in the extracted archive into the
// directory To of the install directory, each match keeping its base name.
type FileOperation struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Target is a machine a platform can be installed on.
type Target struct {
	OS   string
	Arch string
}

// ReleaseTargets are the machines every fleetplane release ships an archive for.
// hack/krew.sh builds the same list by default.
var ReleaseTargets = []Target{
	{OS: "linux", Arch: "amd64"},
	{OS: "linux", Arch: "arm64"},
	{OS: "darwin", Arch: "amd64"},
	{OS: "darwin", Arch: "arm64"},
}

// ParseTarget parses "os/arch".
func ParseTarget(s string) (Target, error) {
	os, arch, ok := strings.Cut(s, "/")
	if !ok || os == "" || arch == "" || strings.Contains(arch, "/") {
		return Target{}, fmt.Errorf("platform %q is not os/arch", s)
	}
	return Target{OS: os, Arch: arch}, nil
}

func (t Target) String() string { return t.OS + "/" + t.Arch }

// Labels are the labels krew matches platform selectors against.
func (t Target) Labels() labels.Set { return labels.Set{"os": t.OS, "arch": t.Arch} }

// Parse decodes a manifest. Unknown and duplicate fields are errors, so that a
// misspelt field does not pass as a missing one.
func Parse(data []byte) (*Plugin, error) {
	var p Plugin
	if err := yaml.UnmarshalStrict(data, &p); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrParse, err)
	}
	return &p, nil
}

// Load reads and decodes the manifest at path.
func Load(path string) (*Plugin, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// Matches returns the indexes of the platforms whose selectors match t, in manifest
// order; krew installs the first. A selector that is not valid matches nothing.
func (p *Plugin) Matches(t Target) []int {
	var matches []int
	for i, pl := range p.Spec.Platforms {
		if pl.Selector == nil {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(pl.Selector)
		if err != nil {
			continue
		}
		if sel.Matches(t.Labels()) {
			matches = append(matches, i)
		}
	}
	return matches
}

// Platform returns the platform krew would install on t.
func (p *Plugin) Platform(t Target) (Platform, error) {
	m := p.Matches(t)
	if len(m) == 0 {
		return Platform{}, fmt.Errorf("%w: no platform matches %s", ErrPlatforms, t)
	}
	return p.Spec.Platforms[m[0]], nil
}
