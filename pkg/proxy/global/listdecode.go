package global

import (
	"encoding/json"
	"fmt"
)

// listFields are the top-level fields of a list or Table that merging reads.
var listFields = []string{"apiVersion", "kind", "metadata", "items"}

// decodeMemberList reads a member's list. A list of thousands of objects is
// the hot path of the global proxy, so its items are not decoded: they are
// found by scanning and kept as slices of body (which they share). A Table,
// at most a page of rows, is decoded the plain way.
func decodeMemberList(body []byte) (*memberList, error) {
	var spans [4]span
	if _, err := fieldSpans(body, 0, listFields, spans[:]); err != nil {
		return nil, err
	}
	l := &memberList{}
	var err error
	if s := spans[1]; s.end > 0 {
		if l.Kind, err = stringValue(body[s.start:s.end]); err != nil {
			return nil, fmt.Errorf("kind: %w", err)
		}
	}
	if l.isTable() {
		err := json.Unmarshal(body, l)
		return l, err
	}
	if s := spans[0]; s.end > 0 {
		if l.APIVersion, err = stringValue(body[s.start:s.end]); err != nil {
			return nil, fmt.Errorf("apiVersion: %w", err)
		}
	}
	if s := spans[2]; s.end > 0 {
		if err := json.Unmarshal(body[s.start:s.end], &l.Metadata); err != nil {
			return nil, fmt.Errorf("metadata: %w", err)
		}
	}
	if s := spans[3]; s.end > 0 {
		if l.Items, err = arrayElements(body, s.start); err != nil {
			return nil, fmt.Errorf("items: %w", err)
		}
	}
	return l, nil
}

// arrayElements returns the elements of the JSON array that starts at raw[at],
// as slices of raw; null is an empty array.
func arrayElements(raw []byte, at int) ([]json.RawMessage, error) {
	i := skipSpace(raw, at)
	if i+4 <= len(raw) && string(raw[i:i+4]) == "null" {
		return nil, nil
	}
	if i >= len(raw) || raw[i] != '[' {
		return nil, fmt.Errorf("not a JSON array at offset %d", at)
	}
	var out []json.RawMessage
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == ']' {
		return out, nil
	}
	for {
		end, err := skipValue(raw, i)
		if err != nil {
			return nil, err
		}
		out = append(out, raw[i:end:end])
		i = skipSpace(raw, end)
		if i >= len(raw) {
			return nil, fmt.Errorf("unterminated JSON array")
		}
		if raw[i] == ']' {
			return out, nil
		}
		if raw[i] != ',' {
			return nil, fmt.Errorf("malformed JSON array at offset %d", i)
		}
		i = skipSpace(raw, i+1)
	}
}
