package bench

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Sample is the outcome of one measured run.
type Sample struct {
	Latencies  []time.Duration
	Elapsed    time.Duration
	Errors     int
	FirstError error
}

// Add pools another run's latencies, time and errors into s.
func (s *Sample) Add(o Sample) {
	s.Latencies = append(s.Latencies, o.Latencies...)
	s.Elapsed += o.Elapsed
	s.Errors += o.Errors
	if s.FirstError == nil {
		s.FirstError = o.FirstError
	}
}

// Median returns the 50th percentile latency.
func (s Sample) Median() time.Duration { return s.percentile(0.50) }

// P99 returns the 99th percentile latency.
func (s Sample) P99() time.Duration { return s.percentile(0.99) }

// Throughput returns completed requests per second.
func (s Sample) Throughput() float64 {
	if s.Elapsed == 0 {
		return 0
	}
	return float64(len(s.Latencies)) / s.Elapsed.Seconds()
}

func (s Sample) percentile(p float64) time.Duration {
	if len(s.Latencies) == 0 {
		return 0
	}
	sorted := slices.Clone(s.Latencies)
	slices.Sort(sorted)
	i := int(p*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// Measure runs op n times with the given concurrency and records each latency.
func Measure(ctx context.Context, n, concurrency int, op func(ctx context.Context, i int) error) Sample {
	var (
		mu  sync.Mutex
		out Sample
		wg  sync.WaitGroup
	)
	next := make(chan int)
	start := time.Now()
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				t0 := time.Now()
				err := op(ctx, i)
				d := time.Since(t0)
				mu.Lock()
				if err != nil {
					out.Errors++
					if out.FirstError == nil {
						out.FirstError = err
					}
				} else {
					out.Latencies = append(out.Latencies, d)
				}
				mu.Unlock()
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	out.Elapsed = time.Since(start)
	return out
}
