package clusterclient

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/util/validation"
)

// IncompleteError means the output lacks the objects of the named clusters, which
// failed. Each failure was reported as a warning when it happened.
type IncompleteError struct {
	// Clusters are the failed clusters, sorted.
	Clusters []string
}

func (e *IncompleteError) Error() string {
	if len(e.Clusters) == 1 {
		return fmt.Sprintf("results are incomplete: cluster %s failed", e.Clusters[0])
	}
	return fmt.Sprintf("results are incomplete: clusters %s failed", strings.Join(e.Clusters, ", "))
}

// Incomplete returns an *IncompleteError for the failed clusters, or nil when
// there are none.
func Incomplete(failed []string) error {
	if len(failed) == 0 {
		return nil
	}
	names := slices.Clone(failed)
	slices.Sort(names)
	return &IncompleteError{Clusters: slices.Compact(names)}
}

// ClusterWarning returns the cluster that a warning of the global proxy names
// ("cluster member3: <reason>"), and false for any other warning.
func ClusterWarning(text string) (string, bool) {
	rest, ok := strings.CutPrefix(text, "cluster ")
	if !ok {
		return "", false
	}
	name, _, ok := strings.Cut(rest, ": ")
	if !ok || len(validation.IsDNS1123Subdomain(name)) > 0 {
		return "", false
	}
	return name, true
}

// WarningRecorder is a rest.WarningHandlerWithContext that prints every distinct
// warning once, as kubectl does ("Warning: ..."), and records the clusters that
// the global proxy reports as failed.
type WarningRecorder struct {
	out io.Writer

	mu     sync.Mutex
	seen   map[string]bool
	failed []string
}

// NewWarningRecorder returns a recorder printing to out.
func NewWarningRecorder(out io.Writer) *WarningRecorder {
	return &WarningRecorder{out: out, seen: map[string]bool{}}
}

// HandleWarningHeaderWithContext handles one Warning header; only code 299
// carries a message for the user.
func (w *WarningRecorder) HandleWarningHeaderWithContext(_ context.Context, code int, _ string, text string) {
	if code != 299 || text == "" {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.seen[text] {
		return
	}
	w.seen[text] = true
	fmt.Fprintf(w.out, "Warning: %s\n", text)
	if name, ok := ClusterWarning(text); ok && !slices.Contains(w.failed, name) {
		w.failed = append(w.failed, name)
	}
}

// Failed returns the clusters reported as failed so far, sorted.
func (w *WarningRecorder) Failed() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Sorted(slices.Values(w.failed))
}

// Err returns an *IncompleteError when a cluster was reported as failed.
func (w *WarningRecorder) Err() error { return Incomplete(w.Failed()) }
