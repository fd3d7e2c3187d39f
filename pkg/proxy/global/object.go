package global

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
)

// ObjectKey is where an object sorts in a merged answer: by cluster, namespace, name.
type ObjectKey struct {
	Cluster, Namespace, Name string
}

func (a ObjectKey) Compare(b ObjectKey) int {
	switch {
	case a.Cluster != b.Cluster:
		return cmpString(a.Cluster, b.Cluster)
	case a.Namespace != b.Namespace:
		return cmpString(a.Namespace, b.Namespace)
	default:
		return cmpString(a.Name, b.Name)
	}
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Annotate returns a copy of the JSON object raw with the annotation naming its
// cluster of origin and, when resourceVersion is not empty, that
// metadata.resourceVersion. It also returns the object's namespace and name.
//
// Merged lists run this over every object of every member, so it edits the bytes
// in place of decoding and re-encoding each object: it scans the object once,
// finds the spans of the fields it needs and splices the new values in.
func Annotate(raw []byte, cluster, resourceVersion string) ([]byte, ObjectKey, error) {
	out, key, err := annotateInto(nil, raw, cluster, strconv.Quote(cluster), resourceVersion)
	if err != nil {
		return nil, key, err
	}
	return out, key, nil
}

// quotedAnnotationKey is the annotation's key as a JSON string.
var quotedAnnotationKey = strconv.Quote(clusterv1alpha1.CacheSourceAnnotationKey)

// annotateInto is Annotate appending the result to dst, with the cluster's
// name already quoted: merging a list annotates thousands of objects into one
// buffer.
func annotateInto(dst, raw []byte, cluster, quotedCluster, resourceVersion string) ([]byte, ObjectKey, error) {
	key := ObjectKey{Cluster: cluster}
	var top [1]span
	if _, err := fieldSpans(raw, 0, []string{"metadata"}, top[:]); err != nil {
		return nil, key, err
	}
	meta := top[0]
	if meta.end == 0 || raw[meta.start] != '{' {
		return nil, key, fmt.Errorf("object has no metadata")
	}
	var fields [4]span // namespace, name, annotations, resourceVersion
	n, err := fieldSpans(raw, meta.start, []string{"namespace", "name", "annotations", "resourceVersion"}, fields[:])
	if err != nil {
		return nil, key, err
	}
	if s := fields[0]; s.end > 0 {
		if key.Namespace, err = stringValue(raw[s.start:s.end]); err != nil {
			return nil, key, fmt.Errorf("metadata.namespace: %w", err)
		}
	}
	if s := fields[1]; s.end > 0 {
		if key.Name, err = stringValue(raw[s.start:s.end]); err != nil {
			return nil, key, fmt.Errorf("metadata.name: %w", err)
		}
	}

	var edits []edit
	var inserted []string // fields added at the start of metadata
	annotationKey := quotedAnnotationKey
	switch s := fields[2]; {
	case s.end == 0:
		inserted = append(inserted, `"annotations":{`+annotationKey+":"+quotedCluster+"}")
	case raw[s.start] == '{':
		var existing [1]span
		count, err := fieldSpans(raw, s.start, []string{clusterv1alpha1.CacheSourceAnnotationKey}, existing[:])
		if err != nil {
			return nil, key, fmt.Errorf("metadata.annotations: %w", err)
		}
		switch {
		case existing[0].end > 0:
			edits = append(edits, edit{existing[0].start, existing[0].end, quotedCluster})
		case count == 0:
			edits = append(edits, edit{s.start + 1, s.start + 1, annotationKey + ":" + quotedCluster})
		default:
			edits = append(edits, edit{s.start + 1, s.start + 1, annotationKey + ":" + quotedCluster + ","})
		}
	case string(raw[s.start:s.end]) == "null":
		edits = append(edits, edit{s.start, s.end, "{" + annotationKey + ":" + quotedCluster + "}"})
	default:
		return nil, key, fmt.Errorf("metadata.annotations is not an object")
	}
	if resourceVersion != "" {
		if s := fields[3]; s.end > 0 {
			edits = append(edits, edit{s.start, s.end, strconv.Quote(resourceVersion)})
		} else {
			inserted = append(inserted, `"resourceVersion":`+strconv.Quote(resourceVersion))
		}
	}
	if len(inserted) > 0 {
		text := strings.Join(inserted, ",")
		if n > 0 {
			text += ","
		}
		edits = append(edits, edit{meta.start + 1, meta.start + 1, text})
	}
	return splice(dst, raw, edits), key, nil
}

// stringValue decodes a JSON string, quickly when it has no escapes.
func stringValue(raw []byte) (string, error) {
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' && bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1]), nil
	}
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err
}

// edit replaces raw[start:end] with text.
type edit struct {
	start, end int
	text       string
}

// splice appends to out a copy of raw with edits, which must not overlap,
// applied. A nil out gets a slice of the exact size.
func splice(out, raw []byte, edits []edit) []byte {
	slices.SortStableFunc(edits, func(a, b edit) int { return a.start - b.start })
	if out == nil {
		size := len(raw)
		for _, e := range edits {
			size += len(e.text) - (e.end - e.start)
		}
		out = make([]byte, 0, size)
	}
	at := 0
	for _, e := range edits {
		out = append(out, raw[at:e.start]...)
		out = append(out, e.text...)
		at = e.end
	}
	return append(out, raw[at:]...)
}

// span is the position of a JSON value in a document.
type span struct{ start, end int }

// fieldSpans finds, in the object that starts at raw[at] (after whitespace),
// the values of the named fields: spans[i] is the span of names[i], or the zero
// span when the field is absent. It returns how many fields the object has.
func fieldSpans(raw []byte, at int, names []string, spans []span) (int, error) {
	i := skipSpace(raw, at)
	if i >= len(raw) || raw[i] != '{' {
		return 0, fmt.Errorf("not a JSON object at offset %d", at)
	}
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		return 0, nil
	}
	for count := 1; ; count++ {
		if i >= len(raw) || raw[i] != '"' {
			return 0, fmt.Errorf("malformed JSON object at offset %d", i)
		}
		keyEnd, err := skipString(raw, i)
		if err != nil {
			return 0, err
		}
		name, err := stringValue(raw[i:keyEnd])
		if err != nil {
			return 0, err
		}
		i = skipSpace(raw, keyEnd)
		if i >= len(raw) || raw[i] != ':' {
			return 0, fmt.Errorf("malformed JSON object at offset %d", i)
		}
		start := skipSpace(raw, i+1)
		end, err := skipValue(raw, start)
		if err != nil {
			return 0, err
		}
		if j := slices.Index(names, name); j >= 0 {
			spans[j] = span{start, end}
		}
		i = skipSpace(raw, end)
		if i >= len(raw) {
			return 0, fmt.Errorf("unterminated JSON object")
		}
		if raw[i] == '}' {
			return count, nil
		}
		if raw[i] != ',' {
			return 0, fmt.Errorf("malformed JSON object at offset %d", i)
		}
		i = skipSpace(raw, i+1)
	}
}

func skipSpace(raw []byte, i int) int {
	for i < len(raw) && (raw[i] == ' ' || raw[i] == '\n' || raw[i] == '\t' || raw[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the offset just past the string that starts at raw[i].
// It jumps from quote to quote (bytes.IndexByte is vectorized) and counts the
// backslashes before each to tell an escaped quote from the closing one.
func skipString(raw []byte, i int) (int, error) {
	for j := i + 1; j < len(raw); {
		k := bytes.IndexByte(raw[j:], '"')
		if k < 0 {
			break
		}
		q := j + k
		escapes := 0
		for p := q - 1; p > i && raw[p] == '\\'; p-- {
			escapes++
		}
		if escapes%2 == 0 {
			return q + 1, nil
		}
		j = q + 1
	}
	return 0, fmt.Errorf("unterminated JSON string at offset %d", i)
}

// skipValue returns the offset just past the JSON value that starts at raw[i].
func skipValue(raw []byte, i int) (int, error) {
	if i >= len(raw) {
		return 0, fmt.Errorf("unexpected end of JSON")
	}
	switch raw[i] {
	case '"':
		return skipString(raw, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(raw); j++ {
			switch raw[j] {
			case '"':
				end, err := skipString(raw, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, fmt.Errorf("unterminated JSON value at offset %d", i)
	default:
		j := i
		for j < len(raw) && raw[j] != ',' && raw[j] != '}' && raw[j] != ']' && raw[j] != ' ' && raw[j] != '\n' && raw[j] != '\t' && raw[j] != '\r' {
			j++
		}
		if j == i {
			return 0, fmt.Errorf("malformed JSON value at offset %d", i)
		}
		return j, nil
	}
}
