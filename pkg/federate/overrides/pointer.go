package overrides

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrPathNotFound is wrapped by errors about a path that does not exist in
// the object or document being overridden.
var ErrPathNotFound = errors.New("not found")

// pointerUnescaper undoes the RFC 6901 escapes of a pointer token, "~1"
// before "~0" as the RFC requires.
var pointerUnescaper = strings.NewReplacer("~1", "/", "~0", "~")

// parsePointer splits an RFC 6901 JSON pointer into its unescaped tokens.
// The empty pointer is the whole document.
func parsePointer(pointer string) ([]string, error) {
	if pointer == "" {
		return nil, nil
	}
	if !strings.HasPrefix(pointer, "/") {
		return nil, fmt.Errorf("path %s: not a JSON pointer: must start with '/'", pointer)
	}
	tokens := strings.Split(pointer[1:], "/")
	for i, tok := range tokens {
		tokens[i] = pointerUnescaper.Replace(tok)
	}
	return tokens, nil
}

// lookup returns the value the tokens point at inside doc, a tree of
// map[string]interface{} and []interface{} as decoded from JSON.
func lookup(doc interface{}, tokens []string) (interface{}, bool) {
	cur := doc
	for _, tok := range tokens {
		switch node := cur.(type) {
		case map[string]interface{}:
			v, ok := node[tok]
			if !ok {
				return nil, false
			}
			cur = v
		case []interface{}:
			i, ok := arrayIndex(tok, len(node))
			if !ok {
				return nil, false
			}
			cur = node[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// setExisting replaces the value the tokens point at inside doc. The value
// must exist and the pointer must not be the whole document.
func setExisting(doc interface{}, tokens []string, value interface{}) bool {
	if len(tokens) == 0 {
		return false
	}
	parent, ok := lookup(doc, tokens[:len(tokens)-1])
	if !ok {
		return false
	}
	last := tokens[len(tokens)-1]
	switch node := parent.(type) {
	case map[string]interface{}:
		if _, ok := node[last]; !ok {
			return false
		}
		node[last] = value
		return true
	case []interface{}:
		i, ok := arrayIndex(last, len(node))
		if !ok {
			return false
		}
		node[i] = value
		return true
	}
	return false
}

// arrayIndex parses an array token as RFC 6901 allows: a decimal number
// without leading zeros, lower than length.
func arrayIndex(tok string, length int) (int, bool) {
	if tok == "" || (len(tok) > 1 && tok[0] == '0') {
		return 0, false
	}
	i, err := strconv.Atoi(tok)
	if err != nil || i < 0 || i >= length {
		return 0, false
	}
	return i, true
}
