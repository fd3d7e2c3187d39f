package framework

import (
	"context"
	"testing"
	"time"
)

// Condition reports whether a wait is over. seen describes the state it observed,
// so that a timeout can say what it last saw. A non-nil error is treated as "not yet"
// and reported if the wait times out.
type Condition func(ctx context.Context) (done bool, seen string, err error)

// WaitFor polls cond every interval until it is done or timeout passes, and fails the
// test with the description and the last observed state on timeout.
func WaitFor(ctx context.Context, t testing.TB, timeout time.Duration, what string, cond Condition) {
	t.Helper()
	if err := Poll(ctx, timeout, cond); err != nil {
		t.Fatalf("timed out after %s waiting for %s: %v", timeout, what, err)
	}
}

// Poll is WaitFor without a test: it returns an error carrying the last observation.
func Poll(ctx context.Context, timeout time.Duration, cond Condition) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	const interval = 250 * time.Millisecond
	var last string
	var lastErr error
	for {
		done, seen, err := cond(ctx)
		if err == nil && done {
			return nil
		}
		last, lastErr = seen, err
		select {
		case <-ctx.Done():
			return &TimeoutError{LastSeen: last, LastErr: lastErr}
		case <-time.After(interval):
		}
	}
}

// TimeoutError is what Poll returns when a wait runs out of time.
type TimeoutError struct {
	LastSeen string
	LastErr  error
}

func (e *TimeoutError) Error() string {
	msg := "last seen: " + e.LastSeen
	if e.LastSeen == "" {
		msg = "nothing observed"
	}
	if e.LastErr != nil {
		msg += " (last error: " + e.LastErr.Error() + ")"
	}
	return msg
}
