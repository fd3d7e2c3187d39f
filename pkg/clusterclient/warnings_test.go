package clusterclient

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestClusterWarning(t *testing.T) {
	tests := []struct {
		text   string
		want   string
		wantOK bool
	}{
		{text: "cluster member3: dial tcp 10.0.0.3:6443: connection refused", want: "member3", wantOK: true},
		{text: "cluster edge-1.eu: timed out", want: "edge-1.eu", wantOK: true},
		{text: "v1 ComponentStatus is deprecated"},
		{text: "cluster Member3: bad name"},
		{text: "cluster member3 without reason"},
	}
	for _, tt := range tests {
		got, ok := ClusterWarning(tt.text)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("ClusterWarning(%q) = %q, %v; want %q, %v", tt.text, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestWarningRecorder(t *testing.T) {
	var out strings.Builder
	w := NewWarningRecorder(&out)
	ctx := context.Background()
	w.HandleWarningHeaderWithContext(ctx, 299, "-", "cluster member3: unreachable")
	w.HandleWarningHeaderWithContext(ctx, 299, "-", "cluster member3: unreachable")
	w.HandleWarningHeaderWithContext(ctx, 299, "-", "cluster member1: timed out")
	w.HandleWarningHeaderWithContext(ctx, 299, "-", "policy/v1beta1 is deprecated")
	w.HandleWarningHeaderWithContext(ctx, 199, "-", "cluster member9: not a user warning")

	want := "Warning: cluster member3: unreachable\nWarning: cluster member1: timed out\nWarning: policy/v1beta1 is deprecated\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("printed (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"member1", "member3"}, w.Failed()); diff != "" {
		t.Errorf("Failed() (-want +got):\n%s", diff)
	}
	if got, want := w.Err().Error(), "results are incomplete: clusters member1, member3 failed"; got != want {
		t.Errorf("Err() = %q, want %q", got, want)
	}
	if err := NewWarningRecorder(&out).Err(); err != nil {
		t.Errorf("Err() without warnings = %v", err)
	}
	if got, want := Incomplete([]string{"member3"}).Error(), "results are incomplete: cluster member3 failed"; got != want {
		t.Errorf("Incomplete() = %q, want %q", got, want)
	}
}
