package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/fleetplane/fleetplane/test/e2e/framework"
)

// listBody is how every list of the global-view benchmarks is decoded, whichever
// path answered it: the items stay raw, so that every variant pays the same
// decoding cost.
type listBody struct {
	Metadata struct {
		Continue string `json:"continue"`
	} `json:"metadata"`
	Items []json.RawMessage `json:"items"`
}

// rawLister lists below absolute API paths of one server, as JSON.
type rawLister struct {
	name   string
	client rest.Interface
}

func newRawLister(t *testing.T, name string, cfg *rest.Config) rawLister {
	t.Helper()
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatalf("client for %s: %v", name, err)
	}
	return rawLister{name: name, client: cs.CoreV1().RESTClient()}
}

// list GETs path with the query parameters given as key, value pairs and decodes
// the answer.
func (l rawLister) list(ctx context.Context, path string, kv ...string) (*listBody, error) {
	req := l.client.Get().AbsPath(path).SetHeader("Accept", "application/json")
	for i := 0; i+1 < len(kv); i += 2 {
		req = req.Param(kv[i], kv[i+1])
	}
	raw, err := req.DoRaw(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s GET %s %v: %w", l.name, path, kv, err)
	}
	var body listBody
	if err := json.Unmarshal(raw, &body); err != nil {
		return nil, fmt.Errorf("%s GET %s: decoding: %w", l.name, path, err)
	}
	return &body, nil
}

// count lists path whole and returns the number of items.
func (l rawLister) count(ctx context.Context, path string, kv ...string) (int, error) {
	b, err := l.list(ctx, path, kv...)
	if err != nil {
		return 0, err
	}
	return len(b.Items), nil
}

// walk lists path page by page with the given limit and returns the number of
// items and pages.
func (l rawLister) walk(ctx context.Context, path string, limit int) (items, pages int, err error) {
	cont := ""
	for {
		kv := []string{"limit", strconv.Itoa(limit)}
		if cont != "" {
			kv = append(kv, "continue", cont)
		}
		b, err := l.list(ctx, path, kv...)
		if err != nil {
			return items, pages, fmt.Errorf("page %d: %w", pages+1, err)
		}
		pages++
		items += len(b.Items)
		if len(b.Items) > limit {
			return items, pages, fmt.Errorf("page %d: %d items, more than the limit %d", pages, len(b.Items), limit)
		}
		if b.Metadata.Continue == "" {
			return items, pages, nil
		}
		if pages > 10_000 {
			return items, pages, fmt.Errorf("more than 10,000 pages")
		}
		cont = b.Metadata.Continue
	}
}

// parallel runs fn for every lister at once and sums the counts.
func parallel(ctx context.Context, listers []rawLister, fn func(ctx context.Context, l rawLister) (int, error)) (int, error) {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		total int
		first error
	)
	for _, l := range listers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := fn(ctx, l)
			mu.Lock()
			defer mu.Unlock()
			total += n
			if err != nil && first == nil {
				first = err
			}
		}()
	}
	wg.Wait()
	return total, first
}

// proxyProcess reads the memory of the proxy process the sandbox runs locally.
type proxyProcess struct {
	pid string
}

func findProxy(t *testing.T, sb *framework.Sandbox) proxyProcess {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(sb.Dir, "proxy.pid"))
	if err != nil {
		t.Fatalf("the proxy's pid file: %v", err)
	}
	p := proxyProcess{pid: strings.TrimSpace(string(raw))}
	if _, err := p.status("VmRSS"); err != nil {
		t.Fatalf("the proxy process %s: %v", p.pid, err)
	}
	return p
}

// status reads one field of /proc/PID/status, in KiB.
func (p proxyProcess) status(field string) (int64, error) {
	raw, err := os.ReadFile(filepath.Join("/proc", p.pid, "status"))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(v)
			if len(f) == 0 {
				break
			}
			return strconv.ParseInt(f[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%s/status", field, p.pid)
}

// rss is the proxy's resident memory now, in KiB.
func (p proxyProcess) rss(t *testing.T) int64 {
	t.Helper()
	kb, err := p.status("VmRSS")
	if err != nil {
		t.Fatalf("the proxy's resident memory (did the proxy restart?): %v", err)
	}
	return kb
}

// settledRSS samples the resident memory n times, every, and returns the last
// sample and all of them: the Go runtime returns freed memory to the system
// lazily, so a few samples show whether it was still moving.
func (p proxyProcess) settledRSS(t *testing.T, n int, every time.Duration) (int64, []int64) {
	t.Helper()
	var samples []int64
	for i := range n {
		if i > 0 {
			time.Sleep(every)
		}
		samples = append(samples, p.rss(t))
	}
	return samples[len(samples)-1], samples
}

// alive reports whether the pid file still names the process measured.
func (p proxyProcess) alive(sb *framework.Sandbox) bool {
	raw, err := os.ReadFile(filepath.Join(sb.Dir, "proxy.pid"))
	if err != nil || strings.TrimSpace(string(raw)) != p.pid {
		return false
	}
	_, err = p.status("VmRSS")
	return err == nil
}

// peakSampler records the proxy's highest resident memory per phase, sampling
// every interval while a phase is set.
type peakSampler struct {
	mu    sync.Mutex
	phase string
	peak  map[string]int64
	stop  chan struct{}
	done  chan struct{}
}

func (p proxyProcess) samplePeaks(interval time.Duration) *peakSampler {
	s := &peakSampler{peak: map[string]int64{}, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-tick.C:
			}
			kb, err := p.status("VmRSS")
			if err != nil {
				continue
			}
			s.mu.Lock()
			if s.phase != "" && kb > s.peak[s.phase] {
				s.peak[s.phase] = kb
			}
			s.mu.Unlock()
		}
	}()
	return s
}

// set names the phase the following samples belong to; "" pauses recording.
func (s *peakSampler) set(phase string) {
	s.mu.Lock()
	s.phase = phase
	s.mu.Unlock()
}

func (s *peakSampler) close() map[string]int64 {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

func mib(kb int64) string { return fmt.Sprintf("%.1f MiB", float64(kb)/1024) }

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
