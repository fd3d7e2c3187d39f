// Package imageref splits a container image reference into the parts an
// image overrider rewrites (registry, repository, tag and digest) and joins
// them back.
//
// Unlike a full reference parser it normalises nothing: "nginx" stays
// "nginx" rather than becoming "docker.io/library/nginx", so a reference
// that is parsed and joined again without changes comes back byte for byte.
package imageref

import (
	"errors"
	"fmt"
	"strings"
)

// Reference is an image reference cut into its parts:
// [Registry/]Repository[:Tag][@Digest].
type Reference struct {
	// Registry is the host, with an optional port, such as "docker.io" or
	// "registry:5000". It is empty when the reference names none.
	Registry string
	// Repository is the path inside the registry, such as "library/nginx".
	Repository string
	// Tag is the tag without its ':', such as "1.25".
	Tag string
	// Digest is the content digest without its '@', such as "sha256:0a1b...".
	Digest string
}

// ErrInvalid is wrapped by the errors Parse returns.
var ErrInvalid = errors.New("invalid image reference")

// Parse splits s following the Docker reference rules: the first
// '/'-separated component is a registry when it contains a '.' or a ':' or
// is "localhost"; a tag follows the last ':' of the remaining path; a digest
// follows the '@'.
func Parse(s string) (Reference, error) {
	if s == "" {
		return Reference{}, fmt.Errorf("%w: empty", ErrInvalid)
	}
	if strings.ContainsAny(s, " \t\r\n") {
		return Reference{}, fmt.Errorf("%w %q: contains white space", ErrInvalid, s)
	}
	var ref Reference
	name := s
	if at := strings.IndexByte(s, '@'); at >= 0 {
		name, ref.Digest = s[:at], s[at+1:]
		if ref.Digest == "" {
			return Reference{}, fmt.Errorf("%w %q: empty digest", ErrInvalid, s)
		}
	}
	if slash := strings.IndexByte(name, '/'); slash >= 0 && isRegistry(name[:slash]) {
		ref.Registry, name = name[:slash], name[slash+1:]
	}
	if colon := strings.LastIndexByte(name, ':'); colon >= 0 {
		if strings.Contains(name[colon:], "/") {
			return Reference{}, fmt.Errorf("%w %q: ':' inside the repository path", ErrInvalid, s)
		}
		name, ref.Tag = name[:colon], name[colon+1:]
		if ref.Tag == "" {
			return Reference{}, fmt.Errorf("%w %q: empty tag", ErrInvalid, s)
		}
	}
	if name == "" {
		return Reference{}, fmt.Errorf("%w %q: empty repository", ErrInvalid, s)
	}
	ref.Repository = name
	return ref, nil
}

func isRegistry(component string) bool {
	return strings.ContainsAny(component, ".:") || component == "localhost"
}

// String joins the parts back into a reference, leaving out the empty ones.
func (r Reference) String() string {
	var b strings.Builder
	if r.Registry != "" {
		b.WriteString(r.Registry)
		b.WriteByte('/')
	}
	b.WriteString(r.Repository)
	if r.Tag != "" {
		b.WriteByte(':')
		b.WriteString(r.Tag)
	}
	if r.Digest != "" {
		b.WriteByte('@')
		b.WriteString(r.Digest)
	}
	return b.String()
}
