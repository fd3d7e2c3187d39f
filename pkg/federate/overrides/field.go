package overrides

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
)

// applyField applies one fieldOverrider to obj: it decodes the JSON or YAML
// document held in the string at FieldPath, patches it and stores it back in
// the same format.
func applyField(obj map[string]interface{}, o policyv1alpha1.FieldOverrider) error {
	if len(o.JSON) > 0 && len(o.YAML) > 0 {
		return errors.New("json and yaml cannot be set together")
	}
	if len(o.JSON) == 0 && len(o.YAML) == 0 {
		return nil
	}
	tokens, err := parsePointer(o.FieldPath)
	if err != nil {
		return fmt.Errorf("fieldPath %s: not a JSON pointer: must start with '/'", o.FieldPath)
	}
	value, ok := lookup(obj, tokens)
	if !ok || len(tokens) == 0 {
		return fmt.Errorf("fieldPath %s: %w", o.FieldPath, ErrPathNotFound)
	}
	text, ok := value.(string)
	if !ok {
		return fmt.Errorf("fieldPath %s: holds %s, not a string", o.FieldPath, describe(value))
	}

	var out string
	if len(o.JSON) > 0 {
		out, err = patchJSONText(text, o.JSON)
	} else {
		out, err = patchYAMLText(text, o.YAML)
	}
	if err != nil {
		return fmt.Errorf("fieldPath %s: %w", o.FieldPath, err)
	}
	setExisting(obj, tokens, out)
	return nil
}

func patchJSONText(text string, ops []policyv1alpha1.JSONPatchOperation) (string, error) {
	doc := []byte(text)
	if !json.Valid(doc) {
		return "", errors.New("not a JSON document")
	}
	indent := jsonIndent(text)
	var err error
	for i, op := range ops {
		if doc, err = patchDocument(doc, op.Operator, op.SubPath, op.Value, indent); err != nil {
			return "", fmt.Errorf("json[%d]: subPath %s: %w", i, showPath(op.SubPath), err)
		}
	}
	out := string(doc)
	if strings.HasSuffix(text, "\n") && !strings.HasSuffix(out, "\n") {
		out += "\n"
	}
	return out, nil
}

func patchYAMLText(text string, ops []policyv1alpha1.YAMLPatchOperation) (string, error) {
	doc, err := singleYAMLDocument(text)
	if err != nil {
		return "", err
	}
	for i, op := range ops {
		if doc, err = patchDocument(doc, op.Operator, op.SubPath, op.Value, ""); err != nil {
			return "", fmt.Errorf("yaml[%d]: subPath %s: %w", i, showPath(op.SubPath), err)
		}
	}
	out, err := yaml.JSONToYAML(doc)
	if err != nil {
		return "", fmt.Errorf("encoding YAML: %w", err)
	}
	return string(out), nil
}

// singleYAMLDocument converts the one YAML document of text to JSON. YAML
// with several documents is refused, as converting it would keep only the
// first; empty documents (a leading "---", a header of comments) are skipped.
func singleYAMLDocument(text string) ([]byte, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(text)))
	var doc []byte
	for {
		chunk, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("not a YAML document: %w", err)
		}
		j, err := yaml.YAMLToJSON(chunk)
		if err != nil {
			return nil, fmt.Errorf("not a YAML document: %w", err)
		}
		if string(j) == "null" {
			continue
		}
		if doc != nil {
			return nil, errors.New("holds several YAML documents, only one can be edited")
		}
		doc = j
	}
	if doc == nil {
		return nil, errors.New("holds an empty YAML document")
	}
	return doc, nil
}

// jsonIndent guesses the indentation of a JSON document: the leading white
// space of its second line, or none when it is on one line.
func jsonIndent(text string) string {
	_, rest, ok := strings.Cut(strings.TrimSpace(text), "\n")
	if !ok {
		return ""
	}
	return rest[:len(rest)-len(strings.TrimLeft(rest, " \t"))]
}

// describe names the JSON type of a decoded value for error messages.
func describe(v interface{}) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]interface{}:
		return "an object"
	case []interface{}:
		return "an array"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	default:
		return "a number"
	}
}
