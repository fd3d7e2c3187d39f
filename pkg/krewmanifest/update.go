package krewmanifest

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/google/go-cmp/cmp"
	yamlv3 "go.yaml.in/yaml/v3"
)

// Update returns the manifest data with spec.version set to version and, for each
// target in digests, the sha256 of the platform krew installs on that target set to
// the digest. In every platform's uri, path segments equal to the old spec.version
// become version, so that the uris name the new release.
//
// Only those values change: comments, field order and formatting stay byte for byte,
// which keeps the diff of a release to the lines that matter. The result is parsed
// again and compared with the intended manifest, so an edit the line-based rewrite
// got wrong is an error rather than a corrupt file.
func Update(data []byte, version string, digests map[Target]string) ([]byte, error) {
	if !semverRE.MatchString(version) {
		return nil, fmt.Errorf("%w: %q", ErrVersion, version)
	}
	old, err := Parse(data)
	if err != nil {
		return nil, err
	}
	var doc yamlv3.Node
	if err := yamlv3.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrParse, err)
	}
	spec := mappingValue(documentRoot(&doc), "spec")
	versionNode := mappingValue(spec, "version")
	platforms := mappingValue(spec, "platforms")
	if versionNode == nil || platforms == nil || platforms.Kind != yamlv3.SequenceNode ||
		len(platforms.Content) != len(old.Spec.Platforms) {
		return nil, fmt.Errorf("the manifest has no spec.version or spec.platforms to update")
	}

	want := *old
	want.Spec.Platforms = slices.Clone(old.Spec.Platforms)
	want.Spec.Version = version
	edits := []edit{{versionNode, version}}

	for i, pl := range old.Spec.Platforms {
		uri := replaceSegment(pl.URI, old.Spec.Version, version)
		if uri == pl.URI {
			continue
		}
		n := mappingValue(platforms.Content[i], "uri")
		if n == nil {
			return nil, fmt.Errorf("spec.platforms[%d] has no uri to update", i)
		}
		want.Spec.Platforms[i].URI = uri
		edits = append(edits, edit{n, uri})
	}
	targets := make([]Target, 0, len(digests))
	for t := range digests {
		targets = append(targets, t)
	}
	slices.SortFunc(targets, func(a, b Target) int { return strings.Compare(a.String(), b.String()) })
	for _, t := range targets {
		sum := digests[t]
		if !sha256RE.MatchString(sum) {
			return nil, fmt.Errorf("%s: %w: %q", t, ErrSHA256, sum)
		}
		m := old.Matches(t)
		if len(m) == 0 {
			return nil, fmt.Errorf("%w: no platform matches %s", ErrPlatforms, t)
		}
		n := mappingValue(platforms.Content[m[0]], "sha256")
		if n == nil {
			return nil, fmt.Errorf("spec.platforms[%d] (%s) has no sha256 field to fill in", m[0], t)
		}
		want.Spec.Platforms[m[0]].Sha256 = sum
		edits = append(edits, edit{n, sum})
	}

	out, err := applyEdits(data, edits)
	if err != nil {
		return nil, err
	}
	got, err := Parse(out)
	if err != nil {
		return nil, fmt.Errorf("the updated manifest does not parse: %w", err)
	}
	if diff := cmp.Diff(&want, got); diff != "" {
		return nil, fmt.Errorf("the updated manifest is not the intended one (-want +got):\n%s", diff)
	}
	return out, nil
}

// edit replaces the scalar n with value.
type edit struct {
	n     *yamlv3.Node
	value string
}

// applyEdits rewrites each edited scalar where it stands, in its own quoting style.
// Scalars must sit on one line: block scalars and escapes are refused.
func applyEdits(data []byte, edits []edit) ([]byte, error) {
	lines := bytes.SplitAfter(data, []byte("\n"))
	// Right to left, so that columns stay valid when a line holds two edits.
	slices.SortFunc(edits, func(a, b edit) int {
		if a.n.Line != b.n.Line {
			return a.n.Line - b.n.Line
		}
		return b.n.Column - a.n.Column
	})
	for _, e := range edits {
		if e.n.Kind != yamlv3.ScalarNode || e.n.Line < 1 || e.n.Line > len(lines) {
			return nil, fmt.Errorf("line %d: not a scalar", e.n.Line)
		}
		var quote string
		switch e.n.Style {
		case 0:
			if !plainString(e.value) {
				quote = `"`
			}
		case yamlv3.DoubleQuotedStyle:
			quote = `"`
		case yamlv3.SingleQuotedStyle:
			quote = "'"
		default:
			return nil, fmt.Errorf("line %d: only one-line scalars can be updated", e.n.Line)
		}
		line := []rune(string(lines[e.n.Line-1]))
		start := e.n.Column - 1
		old := []rune(e.n.Value)
		if e.n.Style != 0 {
			q := []rune(quote)
			old = slices.Concat(q, old, q)
		}
		if start < 0 || start+len(old) > len(line) || string(line[start:start+len(old)]) != string(old) {
			return nil, fmt.Errorf("line %d: %q is not written as a one-line scalar at column %d", e.n.Line, e.n.Value, e.n.Column)
		}
		if strings.ContainsAny(e.value, `"'\`+"\n") {
			return nil, fmt.Errorf("line %d: cannot write %q", e.n.Line, e.value)
		}
		repl := []rune(quote + e.value + quote)
		lines[e.n.Line-1] = []byte(string(slices.Concat(line[:start], repl, line[start+len(old):])))
	}
	return bytes.Join(lines, nil), nil
}

// plainString reports whether s, written unquoted, reads back as the string s; a
// digest made of digits only would otherwise read back as a number.
func plainString(s string) bool {
	var n yamlv3.Node
	if err := yamlv3.Unmarshal([]byte(s), &n); err != nil {
		return false
	}
	root := documentRoot(&n)
	return root != nil && root.Kind == yamlv3.ScalarNode && root.Tag == "!!str" && root.Value == s
}

func documentRoot(doc *yamlv3.Node) *yamlv3.Node {
	if doc.Kind == yamlv3.DocumentNode && len(doc.Content) == 1 {
		return doc.Content[0]
	}
	return nil
}

// mappingValue returns the value of key in the mapping m, or nil.
func mappingValue(m *yamlv3.Node, key string) *yamlv3.Node {
	if m == nil || m.Kind != yamlv3.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// replaceSegment replaces the path segments of uri that equal old with new.
func replaceSegment(uri, old, new string) string {
	if old == "" || old == new {
		return uri
	}
	segments := strings.Split(uri, "/")
	for i, s := range segments {
		if s == old {
			segments[i] = new
		}
	}
	return strings.Join(segments, "/")
}
