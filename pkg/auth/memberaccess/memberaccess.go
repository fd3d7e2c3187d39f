// Package memberaccess decides whether a caller may see a member's objects, by
// the member's own RBAC. Objects served out of the search cache never went
// through the member's authorizer as the caller, so before any is served the
// server asks the member with a SubjectAccessReview for the caller, the exact
// verb, resource and namespace. Decisions are kept for a few seconds in a
// bounded LRU, so a page of results costs one review per namespace at most.
package memberaccess

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	authorizationv1 "k8s.io/api/authorization/v1"
	"k8s.io/apiserver/pkg/authentication/user"
)

// Reviewer creates a SubjectAccessReview on a member.
type Reviewer interface {
	Review(ctx context.Context, cluster string, review *authorizationv1.SubjectAccessReview) (*authorizationv1.SubjectAccessReview, error)
}

// Attributes are what a caller wants to do on the member.
type Attributes struct {
	Verb, Group, Version, Resource, Subresource, Namespace, Name string
}

// Checker answers access questions, caching decisions.
type Checker struct {
	reviewer Reviewer
	// identity is who the member would see for a caller: the same identity the
	// proxy impersonates, so that the cache never grants more than the live
	// proxy would.
	identity  func(cluster string, caller user.Info) user.Info
	decisions *expirable.LRU[string, bool]
	// Gate, when set, decides first whether the caller may reach the cluster
	// at all: the live proxy reaches a member only for callers its impersonator
	// may impersonate, and the cache must not reach further.
	Gate func(ctx context.Context, cluster string, caller user.Info) (bool, error)
}

// NewChecker returns a Checker keeping up to size decisions for ttl each.
// identity maps a caller to the identity the member sees for them.
func NewChecker(r Reviewer, identity func(cluster string, caller user.Info) user.Info, size int, ttl time.Duration) *Checker {
	return &Checker{reviewer: r, identity: identity, decisions: expirable.NewLRU[string, bool](size, nil, ttl)}
}

// Allowed reports whether the member's RBAC lets the caller do a on cluster.
func (c *Checker) Allowed(ctx context.Context, cluster string, caller user.Info, a Attributes) (bool, error) {
	if c.Gate != nil {
		ok, err := c.Gate(ctx, cluster, caller)
		if err != nil || !ok {
			return false, err
		}
	}
	who := c.identity(cluster, caller)
	key := decisionKey(cluster, who, a)
	if allowed, ok := c.decisions.Get(key); ok {
		return allowed, nil
	}
	extra := map[string]authorizationv1.ExtraValue{}
	for k, v := range who.GetExtra() {
		extra[k] = v
	}
	review := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User:   who.GetName(),
		UID:    who.GetUID(),
		Groups: who.GetGroups(),
		Extra:  extra,
		ResourceAttributes: &authorizationv1.ResourceAttributes{
			Verb: a.Verb, Group: a.Group, Version: a.Version, Resource: a.Resource,
			Subresource: a.Subresource, Namespace: a.Namespace, Name: a.Name,
		},
	}}
	out, err := c.reviewer.Review(ctx, cluster, review)
	if err != nil {
		return false, fmt.Errorf("asking cluster %s whether %s may %s %s: %w", cluster, who.GetName(), a.Verb, a.Resource, err)
	}
	allowed := out.Status.Allowed && !out.Status.Denied
	c.decisions.Add(key, allowed)
	return allowed, nil
}

// decisionKey identifies a decision: the cluster, everything about the identity
// and every attribute. Fields, groups and extra values are joined with control
// bytes that Kubernetes names and values never contain.
func decisionKey(cluster string, who user.Info, a Attributes) string {
	groups := slices.Clone(who.GetGroups())
	slices.Sort(groups)
	var extras []string
	for k, v := range who.GetExtra() {
		extras = append(extras, k+"="+strings.Join(v, "\x02"))
	}
	slices.Sort(extras)
	return strings.Join([]string{cluster, who.GetName(), who.GetUID(), strings.Join(groups, "\x01"), strings.Join(extras, "\x01"),
		a.Verb, a.Group, a.Version, a.Resource, a.Subresource, a.Namespace, a.Name}, "\x00")
}
