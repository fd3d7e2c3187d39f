package propagationpolicy

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Ref is one resource named on the command line, resolved to its kind.
type Ref struct {
	GVK schema.GroupVersionKind
	// Namespace is empty for cluster-scoped kinds.
	Namespace string
	Name      string
}

// Namespaced reports whether the resource lives in a namespace.
func (r Ref) Namespaced() bool { return r.Namespace != "" }

// APIVersion is the group/version of the resource, e.g. "apps/v1".
func (r Ref) APIVersion() string { return r.GVK.GroupVersion().String() }

// String names the resource for messages: "deployment default/web", "clusterrole view".
func (r Ref) String() string {
	kind := strings.ToLower(r.GVK.Kind)
	if r.Namespace == "" {
		return kind + " " + r.Name
	}
	return kind + " " + r.Namespace + "/" + r.Name
}

// SplitArg splits a TYPE/NAME argument.
func SplitArg(arg string) (typ, name string, err error) {
	typ, name, ok := strings.Cut(arg, "/")
	if !ok || typ == "" || name == "" || strings.Contains(name, "/") {
		return "", "", fmt.Errorf("%q is not TYPE/NAME, e.g. deployment/web", arg)
	}
	return typ, name, nil
}

// ValidateArgs checks that every argument is TYPE/NAME, without asking a server.
func ValidateArgs(args []string) error {
	for _, arg := range args {
		if _, _, err := SplitArg(arg); err != nil {
			return err
		}
	}
	return nil
}

// Resolve turns TYPE/NAME arguments into Refs, in order and without duplicates.
// TYPE is what kubectl accepts: a resource, its singular or short name, or a kind,
// optionally qualified ("deployments", "deploy", "Deployment", "deployments.apps",
// "deployments.v1.apps"). Namespaced resources are placed in namespace.
func Resolve(ctx context.Context, mapper meta.RESTMapper, namespace string, args ...string) ([]Ref, error) {
	m := meta.ToRESTMapperWithContext(mapper)
	var refs []Ref
	seen := map[Ref]bool{}
	for _, arg := range args {
		typ, name, err := SplitArg(arg)
		if err != nil {
			return nil, err
		}
		mapping, err := MappingFor(ctx, m, typ)
		if err != nil {
			return nil, err
		}
		ref := Ref{GVK: mapping.GroupVersionKind, Name: name}
		if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
			ref.Namespace = namespace
		}
		if !seen[ref] {
			seen[ref] = true
			refs = append(refs, ref)
		}
	}
	return refs, nil
}

// MappingFor resolves a TYPE: first as a resource (plural, singular or short
// name), then as a kind. Unknown types are reported the way kubectl reports them.
func MappingFor(ctx context.Context, m meta.RESTMapperWithContext, typ string) (*meta.RESTMapping, error) {
	var gvk schema.GroupVersionKind
	var lastErr error
	fullGVR, gr := schema.ParseResourceArg(typ)
	if fullGVR != nil {
		gvk, lastErr = m.KindForWithContext(ctx, *fullGVR)
	}
	if gvk.Empty() {
		gvk, lastErr = m.KindForWithContext(ctx, gr.WithVersion(""))
	}
	if !gvk.Empty() {
		return m.RESTMappingWithContext(ctx, gvk.GroupKind(), gvk.Version)
	}
	if lastErr != nil && !meta.IsNoMatchError(lastErr) {
		return nil, lastErr
	}
	fullGVK, gk := schema.ParseKindArg(typ)
	if fullGVK != nil {
		if mapping, err := m.RESTMappingWithContext(ctx, fullGVK.GroupKind(), fullGVK.Version); err == nil {
			return mapping, nil
		}
	}
	mapping, err := m.RESTMappingWithContext(ctx, gk)
	switch {
	case err == nil:
		return mapping, nil
	case meta.IsNoMatchError(err):
		return nil, fmt.Errorf("the server doesn't have a resource type %q", typ)
	default:
		return nil, err
	}
}

// Missing returns the refs that do not exist on the server behind c, in order.
func Missing(ctx context.Context, c client.Reader, refs []Ref) ([]Ref, error) {
	var out []Ref
	for _, r := range refs {
		obj := &metav1.PartialObjectMetadata{}
		obj.SetGroupVersionKind(r.GVK)
		err := c.Get(ctx, client.ObjectKey{Namespace: r.Namespace, Name: r.Name}, obj)
		switch {
		case apierrors.IsNotFound(err):
			out = append(out, r)
		case err != nil:
			return nil, fmt.Errorf("reading %s: %w", r, err)
		}
	}
	return out, nil
}
