package search

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/fleetplane/fleetplane/pkg/proxy/global"
	"github.com/fleetplane/fleetplane/pkg/search/cache"
)

const tokenPrefix = "sc1."

// token continues a paginated search after the last object of the previous page.
type token struct {
	Version global.Version `json:"rv,omitempty"`
	Cluster string         `json:"c"`
	After   cache.Key      `json:"a"`
	index   int
}

func (t token) encode() string {
	raw, _ := json.Marshal(t)
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
}

// parseToken decodes a continue parameter, which must name a cluster of the request.
func parseToken(s string, clusters []string) (*token, error) {
	bad := apierrors.NewBadRequest(fmt.Sprintf("continue token %q is not valid for this request: it was not returned by this search, or the clusters changed", truncate(s)))
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(s, tokenPrefix))
	if !strings.HasPrefix(s, tokenPrefix) || err != nil {
		return nil, bad
	}
	var t token
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, bad
	}
	if t.index = slices.Index(clusters, t.Cluster); t.index < 0 {
		return nil, bad
	}
	if t.Version == nil {
		t.Version = global.Version{}
	}
	return &t, nil
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
