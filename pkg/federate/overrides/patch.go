package overrides

import (
	"encoding/json"
	"errors"
	"fmt"

	jsonpatch "github.com/evanphx/json-patch/v5"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	utiljson "k8s.io/apimachinery/pkg/util/json"

	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
)

// patchOptions are json-patch's defaults, except that '<', '>' and '&' are
// written as they are: documents edited by a fieldOverrider are often
// configuration files meant for humans.
var patchOptions = func() *jsonpatch.ApplyOptions {
	o := jsonpatch.NewApplyOptions()
	o.EscapeHTML = false
	return o
}()

// patchDocument applies one add, remove or replace operation at path to the
// JSON document doc. A non-empty indent pretty-prints the result. Errors do
// not repeat the path; callers add it under the name their API gives it.
func patchDocument(doc []byte, op policyv1alpha1.OverriderOperator, path string, value apiextensionsv1.JSON, indent string) ([]byte, error) {
	switch op {
	case policyv1alpha1.OverriderOpAdd, policyv1alpha1.OverriderOpReplace:
		if len(value.Raw) == 0 {
			return nil, fmt.Errorf("operator %q needs a value", op)
		}
	case policyv1alpha1.OverriderOpRemove:
	default:
		return nil, fmt.Errorf("unsupported operator %q", op)
	}
	if _, err := parsePointer(path); err != nil {
		return nil, errors.New("not a JSON pointer: must start with '/'")
	}
	if path == "" {
		return nil, errors.New("the whole document cannot be patched")
	}
	operation := map[string]interface{}{"op": string(op), "path": path}
	if op != policyv1alpha1.OverriderOpRemove {
		operation["value"] = json.RawMessage(value.Raw)
	}
	raw, err := json.Marshal([]interface{}{operation})
	if err != nil {
		return nil, fmt.Errorf("encoding the patch: %w", err)
	}
	patch, err := jsonpatch.DecodePatch(raw)
	if err != nil {
		return nil, fmt.Errorf("decoding the patch: %w", err)
	}
	out, err := patch.ApplyIndentWithOptions(doc, indent, patchOptions)
	switch {
	case errors.Is(err, jsonpatch.ErrMissing), errors.Is(err, jsonpatch.ErrInvalidIndex):
		return nil, ErrPathNotFound
	case err != nil:
		return nil, err
	}
	return out, nil
}

// applyPlaintext applies the plaintext overriders of one rule to obj, in
// order. The object goes through JSON once for all of them.
func applyPlaintext(obj map[string]interface{}, overriders []policyv1alpha1.PlaintextOverrider) (map[string]interface{}, error) {
	if len(overriders) == 0 {
		return obj, nil
	}
	doc, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("plaintext: encoding the object: %w", err)
	}
	for i, o := range overriders {
		if doc, err = patchDocument(doc, o.Operator, o.Path, o.Value, ""); err != nil {
			return nil, fmt.Errorf("plaintext[%d]: path %s: %w", i, showPath(o.Path), err)
		}
	}
	var out map[string]interface{}
	// util/json keeps whole numbers as int64, as unstructured objects hold them.
	if err := utiljson.Unmarshal(doc, &out); err != nil {
		return nil, fmt.Errorf("plaintext: decoding the object: %w", err)
	}
	if out == nil {
		return nil, errors.New("plaintext: the object is no longer a JSON object")
	}
	return out, nil
}

// showPath prints a JSON pointer in errors, quoting the empty one (the
// whole document) so that it stays visible.
func showPath(pointer string) string {
	if pointer == "" {
		return `""`
	}
	return pointer
}
