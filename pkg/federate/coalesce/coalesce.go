// Package coalesce turns bursts of events about one object into few reconciles.
//
// A member Deployment's status changes four or five times within a few dozen
// milliseconds while its pods start, and each change would otherwise cost a Work
// status write, a binding status write and a template status write on the control
// plane. A Window passes the first event of a quiet key straight to the queue, so a
// lone change is handled at once, and delays later events of the same key until the
// window since the previous one has passed. The queue's waiting set merges the
// delayed ones, so a burst costs two reconciles: its first event and its last state.
package coalesce

import (
	"context"
	"sync"
	"time"

	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// Queue is the part of a workqueue a Window feeds.
type Queue[T comparable] interface {
	Add(item T)
	AddAfter(item T, d time.Duration)
	Len() int
}

// Window throttles each key to at most one reconcile per period, on the leading
// and the trailing edge. The zero value passes every event through at once.
//
// The period grows with the queue's backlog, up to MaxPeriod: when the controller
// is behind, an object's next reconcile is far off anyway, and merging more of its
// events into it is what lets the controller catch up.
type Window[T comparable] struct {
	Period    time.Duration
	MaxPeriod time.Duration
	// now is replaced by tests.
	now func() time.Time

	mu        sync.Mutex
	due       map[T]time.Time
	lastSweep time.Time
}

// NewWindow returns a Window whose period is period on an idle queue and at
// most maxPeriod on a busy one.
func NewWindow[T comparable](period, maxPeriod time.Duration) *Window[T] {
	return &Window[T]{Period: period, MaxPeriod: maxPeriod}
}

// backlogStep is the queue length that adds one base period to the window.
const backlogStep = 8

// period is the window for a queue holding n items.
func (w *Window[T]) period(n int) time.Duration {
	p := w.Period * time.Duration(1+n/backlogStep)
	return min(p, max(w.MaxPeriod, w.Period))
}

// Add hands item to q now if its key has been quiet for a period, and otherwise
// when the period since its last reconcile ends.
func (w *Window[T]) Add(q Queue[T], item T) {
	if w == nil || w.Period <= 0 {
		q.Add(item)
		return
	}
	period := w.period(q.Len())
	now := w.clock()
	w.mu.Lock()
	if w.due == nil {
		w.due = map[T]time.Time{}
	}
	w.sweep(now)
	// last is when the key's latest reconcile was handed to the queue, or will
	// be when it lies ahead.
	last, seen := w.due[item]
	var next time.Time
	switch {
	case !seen || !now.Before(last.Add(period)):
		w.due[item] = now
		w.mu.Unlock()
		q.Add(item)
		return
	case now.Before(last):
		next = last // a trailing reconcile is already waiting; the queue merges this one into it
	default:
		next = last.Add(period)
		w.due[item] = next
	}
	w.mu.Unlock()
	q.AddAfter(item, next.Sub(now))
}

// sweep forgets keys that have been quiet for a while, so the map holds only the
// keys of recent bursts. It runs at most once per ten longest periods.
func (w *Window[T]) sweep(now time.Time) {
	longest := max(w.MaxPeriod, w.Period)
	if now.Sub(w.lastSweep) < 10*longest {
		return
	}
	w.lastSweep = now
	for k, t := range w.due {
		if now.Sub(t) >= longest { // quiet, and nothing waiting
			delete(w.due, k)
		}
	}
}

func (w *Window[T]) clock() time.Time {
	if w.now != nil {
		return w.now()
	}
	return time.Now()
}

// EnqueueMapped is handler.EnqueueRequestsFromMapFunc with the requests passed
// through a Window.
func EnqueueMapped(w *Window[reconcile.Request], fn handler.MapFunc) handler.EventHandler {
	add := func(ctx context.Context, obj client.Object, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
		if obj == nil {
			return
		}
		for _, req := range fn(ctx, obj) {
			w.Add(q, req)
		}
	}
	return handler.Funcs{
		CreateFunc: func(ctx context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			add(ctx, e.Object, q)
		},
		UpdateFunc: func(ctx context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			add(ctx, e.ObjectNew, q)
		},
		DeleteFunc: func(ctx context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			add(ctx, e.Object, q)
		},
		GenericFunc: func(ctx context.Context, e event.GenericEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			add(ctx, e.Object, q)
		},
	}
}
