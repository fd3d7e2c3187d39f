package membership

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
)

// reminderEvery is how often a wait repeats an unchanged state, so that a long wait
// still shows signs of life.
const reminderEvery = 15 * time.Second

// waiter polls a condition and reports each new state, and the same state again
// every reminderEvery, on the progress writer.
type waiter struct {
	progress progress
	interval time.Duration
	timeout  time.Duration
	// what names the wait in its lines, e.g. `cluster "member1" to become Ready`.
	what string
}

// until polls check until it reports done. check returns the state to show while
// not done. On timeout the error names the last state and the hint.
func (w waiter) until(ctx context.Context, hint string, check func(ctx context.Context) (done bool, state string, err error)) error {
	start := time.Now()
	var last string
	var lastShown time.Time
	err := wait.PollUntilContextTimeout(ctx, w.interval, w.timeout, true, func(ctx context.Context) (bool, error) {
		done, state, err := check(ctx)
		if done || err != nil {
			return done, err
		}
		now := time.Now()
		switch {
		case state != last:
			w.progress.printf("waiting for %s: %s", w.what, state)
		case now.Sub(lastShown) >= reminderEvery:
			w.progress.printf("still waiting for %s (%s elapsed): %s", w.what, now.Sub(start).Round(time.Second), state)
		default:
			return false, nil
		}
		last, lastShown = state, now
		return false, nil
	})
	if wait.Interrupted(err) && ctx.Err() == nil {
		return fmt.Errorf("timed out after %s waiting for %s (last: %s); %s", w.timeout, w.what, last, hint)
	}
	return err
}

// waitForReady waits until the Cluster's Ready condition is True.
func waitForReady(ctx context.Context, c client.Reader, name string, interval, timeout time.Duration, p progress) (*clusterv1alpha1.Cluster, error) {
	w := waiter{progress: p, interval: interval, timeout: timeout, what: fmt.Sprintf("cluster %q to become Ready", name)}
	var cluster *clusterv1alpha1.Cluster
	err := w.until(ctx, "check the cluster status controller and the member's reachability from the control plane, or wait longer",
		func(ctx context.Context) (bool, string, error) {
			var err error
			cluster, err = GetCluster(ctx, c, name)
			if err != nil {
				return false, "", err
			}
			cond := meta.FindStatusCondition(cluster.Status.Conditions, clusterv1alpha1.ClusterConditionReady)
			if cond == nil {
				return false, "no Ready condition reported yet", nil
			}
			return cond.Status == metav1.ConditionTrue, describeCondition(cond), nil
		})
	if err != nil {
		return nil, err
	}
	return cluster, nil
}

func describeCondition(c *metav1.Condition) string {
	s := fmt.Sprintf("%s=%s", c.Type, c.Status)
	if c.Reason != "" {
		s += " (" + c.Reason + ")"
	}
	if c.Message != "" {
		s += ": " + c.Message
	}
	return s
}

// waitForGone waits until get reports NotFound.
func waitForGone(ctx context.Context, w waiter, hint string, get func(ctx context.Context) (metav1.Object, error)) error {
	return w.until(ctx, hint, func(ctx context.Context) (bool, string, error) {
		obj, err := get(ctx)
		if apierrors.IsNotFound(err) {
			return true, "", nil
		}
		if err != nil {
			return false, "", err
		}
		if fin := obj.GetFinalizers(); len(fin) > 0 {
			return false, fmt.Sprintf("terminating, finalizers %v", fin), nil
		}
		return false, "terminating", nil
	})
}
