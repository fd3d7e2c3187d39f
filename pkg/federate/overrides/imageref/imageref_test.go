package imageref

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const digest = "sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c"

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		image string
		want  Reference
	}{
		{
			name:  "registry, path and tag",
			image: "docker.io/library/nginx:1.25",
			want:  Reference{Registry: "docker.io", Repository: "library/nginx", Tag: "1.25"},
		},
		{
			name:  "bare name",
			image: "nginx",
			want:  Reference{Repository: "nginx"},
		},
		{
			name:  "bare name and tag",
			image: "nginx:latest",
			want:  Reference{Repository: "nginx", Tag: "latest"},
		},
		{
			name:  "path without registry",
			image: "fictional/nginx:v1",
			want:  Reference{Repository: "fictional/nginx", Tag: "v1"},
		},
		{
			name:  "registry with port and digest",
			image: "registry:5000/ns/app@" + digest,
			want:  Reference{Registry: "registry:5000", Repository: "ns/app", Digest: digest},
		},
		{
			name:  "tag and digest",
			image: "registry.k8s.io/pause:3.10@" + digest,
			want:  Reference{Registry: "registry.k8s.io", Repository: "pause", Tag: "3.10", Digest: digest},
		},
		{
			name:  "localhost registry",
			image: "localhost/app:tag",
			want:  Reference{Registry: "localhost", Repository: "app", Tag: "tag"},
		},
		{
			name:  "localhost registry with port",
			image: "localhost:5000/app",
			want:  Reference{Registry: "localhost:5000", Repository: "app"},
		},
		{
			name:  "registry with port and tag",
			image: "fictional.registry.example:10443/team/app:v2",
			want:  Reference{Registry: "fictional.registry.example:10443", Repository: "team/app", Tag: "v2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.image)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.image, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.image, diff)
			}
			if s := got.String(); s != tt.image {
				t.Errorf("String() = %q, want the input %q back", s, tt.image)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name  string
		image string
	}{
		{name: "empty", image: ""},
		{name: "empty tag", image: "nginx:"},
		{name: "empty digest", image: "nginx@"},
		{name: "registry only", image: "docker.io/"},
		{name: "white space", image: "ngi nx"},
		{name: "tag only", image: ":v1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.image)
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("Parse(%q) error = %v, want ErrInvalid", tt.image, err)
			}
		})
	}
}
