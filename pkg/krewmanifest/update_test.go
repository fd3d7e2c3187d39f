package krewmanifest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestUpdate(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "karmada.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	manifest := string(raw)
	const (
		sum1   = "1111111111111111111111111111111111111111111111111111111111111111"
		sum2   = "2222222222222222222222222222222222222222222222222222222222222222"
		sumAB  = "abababababababababababababababababababababababababababababababab"
		sumCD  = "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
		newA   = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		newB   = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
		digits = "3333333333333333333333333333333333333333333333333333333333333333"
	)
	linuxAMD64, linuxARM64 := Target{"linux", "amd64"}, Target{"linux", "arm64"}
	darwinAMD64, darwinARM64 := Target{"darwin", "amd64"}, Target{"darwin", "arm64"}

	tests := []struct {
		name     string
		manifest string
		version  string
		digests  map[Target]string
		// want is the manifest with these replacements (old, new, ...) made.
		want    []string
		wantErr error
	}{
		{
			name:    "release",
			version: "v0.2.0",
			digests: map[Target]string{linuxAMD64: newA, linuxARM64: newB, darwinAMD64: newB, darwinARM64: newA},
			want: []string{"v0.1.0", "v0.2.0",
				sum1, newA, sum2, newB, sumAB, newB, sumCD, newA},
		},
		{
			name:    "version only",
			version: "v0.1.1-rc.1",
			want:    []string{"v0.1.0", "v0.1.1-rc.1"},
		},
		{
			name:    "digest only",
			version: "v0.1.0",
			digests: map[Target]string{darwinAMD64: newA},
			want:    []string{sumAB, newA},
		},
		{
			// Unquoted, it would read back as a number.
			name:    "digits-only digest into an unquoted field",
			version: "v0.1.0",
			digests: map[Target]string{darwinARM64: digits},
			want:    []string{"sha256: " + sumCD, `sha256: "` + digits + `"`},
		},
		{
			name:     "quoted version",
			manifest: strings.Replace(manifest, "version: v0.1.0", `version: "v0.1.0"`, 1),
			version:  "v1.0.0",
			want:     []string{"v0.1.0", "v1.0.0"},
		},
		{name: "version without v", version: "0.2.0", wantErr: ErrVersion},
		{name: "bad digest", version: "v0.1.0", digests: map[Target]string{linuxAMD64: "abc"}, wantErr: ErrSHA256},
		{name: "no platform for the target", version: "v0.1.0", digests: map[Target]string{{"windows", "amd64"}: newA}, wantErr: ErrPlatforms},
		{name: "not a manifest", manifest: "spec: [", version: "v0.1.0", wantErr: ErrParse},
		{
			name:     "no sha256 field to fill in",
			manifest: strings.Replace(manifest, `    sha256: "`+sum1+`"`+"\n", "", 1),
			version:  "v0.1.0",
			digests:  map[Target]string{linuxAMD64: newA},
			wantErr:  errAny,
		},
		{
			name:     "block scalar version",
			manifest: strings.Replace(manifest, "version: v0.1.0", "version: >-\n    v0.1.0", 1),
			version:  "v0.2.0",
			wantErr:  errAny,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.manifest
			if in == "" {
				in = manifest
			}
			got, err := Update([]byte(in), tt.version, tt.digests)
			if tt.wantErr != nil {
				if err == nil || (tt.wantErr != errAny && !errors.Is(err, tt.wantErr)) {
					t.Fatalf("Update() = %v, want %v", err, tt.wantErr)
				}
				t.Logf("Update() = %v", err)
				return
			}
			if err != nil {
				t.Fatalf("Update() = %v", err)
			}
			want := strings.NewReplacer(tt.want...).Replace(in)
			if diff := cmp.Diff(want, string(got)); diff != "" {
				t.Errorf("Update() mismatch (-want +got):\n%s", diff)
			}
			// Updating again to the same values changes nothing.
			again, err := Update(got, tt.version, tt.digests)
			if err != nil {
				t.Fatalf("second Update() = %v", err)
			}
			if diff := cmp.Diff(string(got), string(again)); diff != "" {
				t.Errorf("second Update() changed the manifest (-first +second):\n%s", diff)
			}
		})
	}
}

// errAny accepts any error.
var errAny = errors.New("any error")
