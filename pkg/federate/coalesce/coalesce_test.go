package coalesce

import (
	"testing"
	"time"
)

type call struct {
	item  string
	after time.Duration
}

type recorder struct {
	calls []call
	len   int
}

func (r *recorder) Len() int                              { return r.len }
func (r *recorder) Add(item string)                       { r.calls = append(r.calls, call{item: item}) }
func (r *recorder) AddAfter(item string, d time.Duration) { r.calls = append(r.calls, call{item, d}) }

func TestWindow(t *testing.T) {
	start := time.Unix(1000, 0)
	now := start
	w := NewWindow[string](50*time.Millisecond, time.Second)
	w.now = func() time.Time { return now }
	q := &recorder{}
	at := func(ms int, item string) {
		now = start.Add(time.Duration(ms) * time.Millisecond)
		w.Add(q, item)
	}
	at(0, "a")   // quiet key: at once
	at(10, "a")  // within the window: at 50
	at(30, "a")  // merged into the one at 50 by the queue
	at(20, "b")  // another key is independent
	at(60, "a")  // the window after 50 ends at 100
	at(200, "a") // quiet again: at once
	want := []call{
		{"a", 0}, {"a", 40 * time.Millisecond}, {"a", 20 * time.Millisecond}, {"b", 0},
		{"a", 40 * time.Millisecond}, {"a", 0},
	}
	if len(q.calls) != len(want) {
		t.Fatalf("calls = %v, want %v", q.calls, want)
	}
	for i := range want {
		if q.calls[i] != want[i] {
			t.Errorf("call %d = %v, want %v", i, q.calls[i], want[i])
		}
	}
}

func TestWindowForgetsQuietKeys(t *testing.T) {
	now := time.Unix(1000, 0)
	w := NewWindow[int](time.Millisecond, time.Millisecond)
	w.now = func() time.Time { return now }
	q := &intRecorder{}
	for i := range 1000 {
		w.Add(q, i)
	}
	now = now.Add(time.Second)
	w.Add(q, -1)
	if len(w.due) != 1 {
		t.Fatalf("window holds %d keys after they went quiet, want 1", len(w.due))
	}
}

func TestZeroWindowPassesThrough(t *testing.T) {
	var w *Window[string]
	q := &recorder{}
	w.Add(q, "a")
	w.Add(q, "a")
	if len(q.calls) != 2 || q.calls[1].after != 0 {
		t.Fatalf("calls = %v", q.calls)
	}
}

type intRecorder struct{ n int }

func (r *intRecorder) Len() int                    { return 0 }
func (r *intRecorder) Add(int)                     { r.n++ }
func (r *intRecorder) AddAfter(int, time.Duration) { r.n++ }

func TestWindowGrowsWithBacklog(t *testing.T) {
	start := time.Unix(1000, 0)
	now := start
	w := NewWindow[string](50*time.Millisecond, 300*time.Millisecond)
	w.now = func() time.Time { return now }
	q := &recorder{len: 16} // two steps of backlog: three periods
	w.Add(q, "a")
	now = start.Add(10 * time.Millisecond)
	w.Add(q, "a")
	q.len = 1000 // capped
	now = start.Add(1000 * time.Millisecond)
	w.Add(q, "a")
	w.Add(q, "a")
	want := []call{{"a", 0}, {"a", 140 * time.Millisecond}, {"a", 0}, {"a", 300 * time.Millisecond}}
	if len(q.calls) != len(want) {
		t.Fatalf("calls = %v, want %v", q.calls, want)
	}
	for i := range want {
		if q.calls[i] != want[i] {
			t.Errorf("call %d = %v, want %v", i, q.calls[i], want[i])
		}
	}
}
