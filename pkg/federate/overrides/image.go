package overrides

import (
	"errors"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/federate/overrides/imageref"
)

// applyImage rewrites the image at the predicate's path, or every container
// image of a known workload when there is no predicate.
func applyImage(obj *unstructured.Unstructured, o policyv1alpha1.ImageOverrider) error {
	if err := checkImageOverrider(o); err != nil {
		return err
	}
	if o.Predicate != nil {
		return applyImageAt(obj, o)
	}
	for _, c := range containers(obj) {
		image, ok := c.fields["image"].(string)
		if !ok || image == "" {
			continue
		}
		rewritten, err := rewriteImage(image, o)
		if err != nil {
			return fmt.Errorf("path %s/image: %w", c.pointer, err)
		}
		c.fields["image"] = rewritten
	}
	return nil
}

// applyImageAt rewrites the image at the predicate's path. A path that does
// not exist filters every image out, so it is not an error.
func applyImageAt(obj *unstructured.Unstructured, o policyv1alpha1.ImageOverrider) error {
	path := o.Predicate.Path
	tokens, err := parsePointer(path)
	if err != nil || len(tokens) == 0 {
		return fmt.Errorf("predicate.path %q: not a JSON pointer to a field", path)
	}
	value, ok := lookup(obj.Object, tokens)
	if !ok {
		return nil
	}
	image, ok := value.(string)
	if !ok {
		return fmt.Errorf("predicate.path %s: holds %s, not an image string", path, describe(value))
	}
	rewritten, err := rewriteImage(image, o)
	if err != nil {
		return fmt.Errorf("predicate.path %s: %w", path, err)
	}
	setExisting(obj.Object, tokens, rewritten)
	return nil
}

func checkImageOverrider(o policyv1alpha1.ImageOverrider) error {
	switch o.Component {
	case policyv1alpha1.Registry, policyv1alpha1.Repository, policyv1alpha1.Tag:
	default:
		return fmt.Errorf("unsupported component %q", o.Component)
	}
	switch o.Operator {
	case policyv1alpha1.OverriderOpAdd, policyv1alpha1.OverriderOpReplace:
		if o.Value == "" {
			return fmt.Errorf("operator %q needs a value", o.Operator)
		}
	case policyv1alpha1.OverriderOpRemove:
		if o.Component == policyv1alpha1.Repository {
			return errors.New("the repository of an image cannot be removed")
		}
	default:
		return fmt.Errorf("unsupported operator %q", o.Operator)
	}
	return nil
}

// rewriteImage applies one checked image overrider to one image reference.
func rewriteImage(image string, o policyv1alpha1.ImageOverrider) (string, error) {
	ref, err := imageref.Parse(image)
	if err != nil {
		return "", err
	}
	switch o.Component {
	case policyv1alpha1.Registry:
		switch o.Operator {
		case policyv1alpha1.OverriderOpAdd:
			ref.Registry += o.Value
		case policyv1alpha1.OverriderOpReplace:
			ref.Registry = o.Value
		case policyv1alpha1.OverriderOpRemove:
			ref.Registry = ""
		}
	case policyv1alpha1.Repository:
		switch o.Operator {
		case policyv1alpha1.OverriderOpAdd:
			ref.Repository += o.Value
		case policyv1alpha1.OverriderOpReplace:
			ref.Repository = o.Value
		}
	case policyv1alpha1.Tag:
		switch o.Operator {
		case policyv1alpha1.OverriderOpAdd:
			if ref.Tag == "" && ref.Digest == "" {
				setTagOrDigest(&ref, o.Value)
			}
		case policyv1alpha1.OverriderOpReplace:
			setTagOrDigest(&ref, o.Value)
		case policyv1alpha1.OverriderOpRemove:
			ref.Tag, ref.Digest = "", ""
		}
	}
	return ref.String(), nil
}

// setTagOrDigest sets the Tag component, which is the tag or the digest: a
// value with a ':' ("sha256:...", optionally after an '@') is a digest, as a
// tag cannot hold one.
func setTagOrDigest(ref *imageref.Reference, value string) {
	value = strings.TrimPrefix(value, "@")
	if strings.Contains(value, ":") {
		ref.Tag, ref.Digest = "", value
		return
	}
	ref.Tag, ref.Digest = value, ""
}
