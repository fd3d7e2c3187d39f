package krewmanifest

import (
	"errors"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// validPlugin returns the valid manifest in testdata, freshly parsed.
func validPlugin(t *testing.T) *Plugin {
	t.Helper()
	p, err := Load(filepath.Join("testdata", "karmada.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// problems unpacks the errors that Validate joined.
func problems(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	if err != nil {
		return []error{err}
	}
	return nil
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(p *Plugin)
		// want are the problems reported, each at least once; none for a valid manifest.
		want []error
	}{
		{name: "valid", mutate: func(p *Plugin) {}},
		{name: "prerelease and build metadata", mutate: func(p *Plugin) { p.Spec.Version = "v1.2.3-rc.1+abc.7" }},
		{name: "bin in a subdirectory moved there whole", mutate: func(p *Plugin) {
			p.Spec.Platforms[0].Files = []FileOperation{{From: "release/*", To: "."}}
			p.Spec.Platforms[0].Bin = "bin/kubectl-karmada"
		}},
		{name: "bin moved into a subdirectory", mutate: func(p *Plugin) {
			p.Spec.Platforms[0].Files = []FileOperation{{From: "kubectl-karmada", To: "bin"}}
			p.Spec.Platforms[0].Bin = "bin/kubectl-karmada"
		}},
		{name: "wrong apiVersion", mutate: func(p *Plugin) { p.APIVersion = "krew.googlecontainertools.github.com/v1alpha1" }, want: []error{ErrType}},
		{name: "wrong kind", mutate: func(p *Plugin) { p.Kind = "Index" }, want: []error{ErrType}},
		{name: "uppercase name", mutate: func(p *Plugin) { p.Metadata.Name = "Karmada" }, want: []error{ErrName}},
		// The bins are renamed along, so that only the name rule fires.
		{name: "name with kubectl- prefix", mutate: func(p *Plugin) {
			p.Metadata.Name = "kubectl-karmada"
			for i := range p.Spec.Platforms {
				p.Spec.Platforms[i].Bin = "kubectl-kubectl-karmada"
				p.Spec.Platforms[i].Files = []FileOperation{{From: "*", To: "."}}
			}
		}, want: []error{ErrName}},
		{name: "name does not match bin", mutate: func(p *Plugin) { p.Metadata.Name = "fleet" }, want: []error{ErrBin}},
		{name: "version without v", mutate: func(p *Plugin) { p.Spec.Version = "0.1.0" }, want: []error{ErrVersion}},
		{name: "version without patch", mutate: func(p *Plugin) { p.Spec.Version = "v0.1" }, want: []error{ErrVersion}},
		{name: "version with leading zero", mutate: func(p *Plugin) { p.Spec.Version = "v0.01.0" }, want: []error{ErrVersion}},
		{name: "version with empty prerelease", mutate: func(p *Plugin) { p.Spec.Version = "v0.1.0-" }, want: []error{ErrVersion}},
		{name: "no shortDescription", mutate: func(p *Plugin) { p.Spec.ShortDescription = "" }, want: []error{ErrRequired}},
		{name: "no homepage", mutate: func(p *Plugin) { p.Spec.Homepage = "" }, want: []error{ErrRequired}},
		{name: "relative homepage", mutate: func(p *Plugin) { p.Spec.Homepage = "github.com/fleetplane" }, want: []error{ErrURL}},
		{name: "no selector", mutate: func(p *Plugin) { p.Spec.Platforms[1].Selector = nil }, want: []error{ErrRequired, ErrPlatforms}},
		{name: "bad selector operator", mutate: func(p *Plugin) {
			p.Spec.Platforms[3].Selector.MatchExpressions[0].Operator = metav1.LabelSelectorOperator("Is")
		}, want: []error{ErrSelector, ErrPlatforms}},
		{name: "no uri", mutate: func(p *Plugin) { p.Spec.Platforms[0].URI = "" }, want: []error{ErrRequired}},
		{name: "plain http uri", mutate: func(p *Plugin) {
			p.Spec.Platforms[0].URI = "http://example.com/kubectl-karmada-linux-amd64.tar.gz"
		}, want: []error{ErrURL}},
		{name: "short sha256", mutate: func(p *Plugin) { p.Spec.Platforms[0].Sha256 = "abc" }, want: []error{ErrSHA256}},
		{name: "uppercase sha256", mutate: func(p *Plugin) {
			p.Spec.Platforms[2].Sha256 = "ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB"
		}, want: []error{ErrSHA256}},
		{name: "no sha256", mutate: func(p *Plugin) { p.Spec.Platforms[0].Sha256 = "" }, want: []error{ErrSHA256}},
		{name: "no bin", mutate: func(p *Plugin) { p.Spec.Platforms[0].Bin = "" }, want: []error{ErrRequired}},
		{name: "absolute bin", mutate: func(p *Plugin) { p.Spec.Platforms[0].Bin = "/usr/bin/kubectl-karmada" }, want: []error{ErrPath}},
		{name: "no files", mutate: func(p *Plugin) { p.Spec.Platforms[0].Files = nil }, want: []error{ErrRequired}},
		{name: "file without to", mutate: func(p *Plugin) { p.Spec.Platforms[0].Files[1].To = "" }, want: []error{ErrRequired}},
		{name: "file moved out of the install directory", mutate: func(p *Plugin) { p.Spec.Platforms[0].Files[1].To = "../.." }, want: []error{ErrPath}},
		{name: "bad glob", mutate: func(p *Plugin) { p.Spec.Platforms[0].Files[1].From = "LICENSE[" }, want: []error{path.ErrBadPattern}},
		{name: "bin not among the files", mutate: func(p *Plugin) { p.Spec.Platforms[1].Bin = "bin/kubectl-karmada" }, want: []error{ErrBin}},
		{name: "bin left in the archive", mutate: func(p *Plugin) { p.Spec.Platforms[1].Files[0].From = "README.md" }, want: []error{ErrBin}},
		{name: "target missing", mutate: func(p *Plugin) { p.Spec.Platforms = p.Spec.Platforms[:3] }, want: []error{ErrPlatforms}},
		{name: "target matched twice", mutate: func(p *Plugin) {
			p.Spec.Platforms = append(p.Spec.Platforms, p.Spec.Platforms[0])
		}, want: []error{ErrPlatforms}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := validPlugin(t)
			tt.mutate(p)
			err := Validate(p, ReleaseTargets)
			if len(tt.want) == 0 && err != nil {
				t.Fatalf("Validate() = %v, want no error", err)
			}
			for _, want := range tt.want {
				if !errors.Is(err, want) {
					t.Errorf("Validate() = %v, want %v", err, want)
				}
			}
			for _, got := range problems(err) {
				if !slices.ContainsFunc(tt.want, func(want error) bool { return errors.Is(got, want) }) {
					t.Errorf("Validate() reported an unexpected problem: %v", got)
				}
			}
		})
	}
}

func TestValidateFile(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "karmada.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		file    string
		data    string
		wantErr error
	}{
		{name: "named after the plugin", file: "karmada.yaml", data: string(data)},
		{name: "named after something else", file: "kubectl-karmada.yaml", data: string(data), wantErr: ErrName},
		{name: "misspelt field", file: "karmada.yaml", data: strings.Replace(string(data), "shortDescription:", "shortDesciption:", 1),
			wantErr: ErrParse},
		// Unquoted, a digest of digits only reads as a number, here infinity.
		{name: "unquoted digits-only sha256", file: "karmada.yaml",
			data: strings.Replace(string(data), `"2222222222222222222222222222222222222222222222222222222222222222"`,
				"2222222222222222222222222222222222222222222222222222222222222222", 1),
			wantErr: ErrSHA256},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), tt.file)
			if err := os.WriteFile(file, []byte(tt.data), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ValidateFile(file, ReleaseTargets)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("ValidateFile() = %v, want %v", err, tt.wantErr)
			}
		})
	}
}
