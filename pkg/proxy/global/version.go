package global

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// versionPrefix marks a multi-cluster resourceVersion, so that it is told apart
// from a member's own version at a glance and never mistaken for one.
const versionPrefix = "mc1."

// Version is a multi-cluster resourceVersion: the resourceVersion of each cluster.
type Version map[string]string

// Encode returns the opaque string form.
func (v Version) Encode() string {
	if len(v) == 0 {
		return ""
	}
	// encoding/json sorts map keys, so equal versions encode equally.
	raw, _ := json.Marshal(map[string]string(v))
	return versionPrefix + base64.RawURLEncoding.EncodeToString(raw)
}

// Clone returns a copy.
func (v Version) Clone() Version { return maps.Clone(v) }

// IsVersion reports whether s looks like an encoded multi-cluster version.
func IsVersion(s string) bool { return strings.HasPrefix(s, versionPrefix) }

// ParseVersion decodes a resourceVersion parameter. "" and "0" have their
// Kubernetes meaning (latest, any) on every cluster and give a nil Version with
// ok=false. Anything else must be a version this server returned; otherwise the
// caller gets 400.
func ParseVersion(s string) (v Version, ok bool, err error) {
	if s == "" || s == "0" {
		return nil, false, nil
	}
	bad := apierrors.NewBadRequest(fmt.Sprintf("resourceVersion %q is not a multi-cluster version returned by this server", truncate(s)))
	if !IsVersion(s) {
		return nil, false, bad
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(s, versionPrefix))
	if err != nil {
		return nil, false, bad
	}
	if err := json.Unmarshal(raw, &v); err != nil || len(v) == 0 {
		return nil, false, bad
	}
	for cluster, rv := range v {
		if cluster == "" || rv == "" {
			return nil, false, bad
		}
	}
	return v, true, nil
}

// continueToken is the state of a paginated multi-cluster list: the
// multi-cluster version the list is served at, the cluster the next page starts
// in and that cluster's own continue token (empty to start it from the top).
type continueToken struct {
	Version Version `json:"rv"`
	Cluster string  `json:"c"`
	Member  string  `json:"t,omitempty"`
}

const continuePrefix = "mc1."

func (t continueToken) encode() string {
	raw, _ := json.Marshal(t)
	return continuePrefix + base64.RawURLEncoding.EncodeToString(raw)
}

// parseContinue decodes a continue parameter, checking that it names one of the
// clusters of the request.
func parseContinue(s string, clusters []string) (*continueToken, error) {
	bad := apierrors.NewBadRequest(fmt.Sprintf("continue token %q is not valid for this request: it was not returned by this server, or the clusters changed", truncate(s)))
	if !strings.HasPrefix(s, continuePrefix) {
		return nil, bad
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(s, continuePrefix))
	if err != nil {
		return nil, bad
	}
	var t continueToken
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, bad
	}
	// Clusters missing from the version failed when the list started; the
	// pages skip them.
	if !slices.Contains(clusters, t.Cluster) || t.Version[t.Cluster] == "" {
		return nil, bad
	}
	return &t, nil
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
