package global

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetplane/fleetplane/internal/membertest"
)

// streamWriter is a ResponseWriter that hands each line written to it to the
// test as it is written, as a watch client reads the stream.
type streamWriter struct {
	mu     sync.Mutex
	header http.Header
	code   int
	buf    []byte
	lines  chan []byte
}

func newStreamWriter() *streamWriter {
	return &streamWriter{header: http.Header{}, lines: make(chan []byte, 1024)}
}

func (s *streamWriter) Header() http.Header { return s.header }

func (s *streamWriter) WriteHeader(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.code == 0 {
		s.code = code
	}
}

func (s *streamWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.code == 0 {
		s.code = http.StatusOK
	}
	s.buf = append(s.buf, p...)
	for {
		i := bytes.IndexByte(s.buf, '\n')
		if i < 0 {
			break
		}
		line := bytes.Clone(s.buf[:i])
		s.buf = s.buf[i+1:]
		if len(bytes.TrimSpace(line)) > 0 {
			s.lines <- line
		}
	}
	return len(p), nil
}

func (s *streamWriter) Flush() {}

// watchEvent is a decoded event of the merged watch.
type watchEvent struct {
	Type   string            `json:"type"`
	Object membertest.Object `json:"object"`
}

// openWatch runs a watch through h until the test ends.
type openWatch struct {
	t         *testing.T
	w         *streamWriter
	responder *membertest.Responder
	warnings  *membertest.Warnings
	done      chan struct{}
}

func startWatch(t *testing.T, h *Handler, query url.Values) *openWatch {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ctx, warnings := membertest.Context(ctx, membertest.Alice)
	responder := &membertest.Responder{}
	handler, err := h.Connect(ctx, configMapsPath, responder)
	if err != nil {
		t.Fatal(err)
	}
	query.Set("watch", "1")
	req := httptest.NewRequest(http.MethodGet, "/proxy"+configMapsPath+"?"+query.Encode(), nil).WithContext(ctx)
	ow := &openWatch{t: t, w: newStreamWriter(), responder: responder, warnings: warnings, done: make(chan struct{})}
	go func() {
		defer close(ow.done)
		handler.ServeHTTP(ow.w, req)
	}()
	t.Cleanup(func() {
		cancel()
		<-ow.done
	})
	return ow
}

// next returns the next event of the merged stream.
func (ow *openWatch) next() watchEvent {
	ow.t.Helper()
	select {
	case line := <-ow.w.lines:
		var ev watchEvent
		if err := json.Unmarshal(line, &ev); err != nil {
			ow.t.Fatalf("event is not JSON: %v\n%s", err, line)
		}
		return ev
	case <-ow.done:
		ow.t.Fatalf("the watch ended; responder error %v", ow.responder.Err)
	case <-time.After(10 * time.Second):
		ow.t.Fatal("no event in 10s")
	}
	return watchEvent{}
}

func TestWatchMergesMembers(t *testing.T) {
	f := membertest.NewFleet(t, "member1", "member2")
	h := newHandler(f)
	m1, m2 := f.Member("member1"), f.Member("member2")
	_, l := doList(t, h, configMapsPath, "")
	start := parseVersion(t, l.Metadata.ResourceVersion)

	w := startWatch(t, h, url.Values{"resourceVersion": {l.Metadata.ResourceVersion}})
	// The members' watches must be open before anything happens on them.
	waitFor(t, func() bool { return m1.Watchers() == 1 && m2.Watchers() == 1 })

	type step struct {
		member *membertest.Member
		do     func() string
		typ    string
	}
	latest := start.Clone()
	for i, s := range []step{
		{m1, func() string { return m1.Add("ns-a", "one", nil) }, "ADDED"},
		{m2, func() string { return m2.Add("ns-a", "two", nil) }, "ADDED"},
		{m1, func() string { return m1.Update("ns-a", "one") }, "MODIFIED"},
		{m2, func() string { return m2.Delete("ns-a", "two") }, "DELETED"},
		{m1, func() string { return m1.Bookmark() }, "BOOKMARK"},
	} {
		rv := s.do()
		latest[s.member.Name] = rv
		ev := w.next()
		if ev.Type != s.typ {
			t.Fatalf("event %d is %s, want %s", i, ev.Type, s.typ)
		}
		if ev.Object.Cluster() != s.member.Name {
			t.Errorf("event %d: object annotated with %q, want %q", i, ev.Object.Cluster(), s.member.Name)
		}
		if diff := cmp.Diff(latest, parseVersion(t, ev.Object.Metadata.ResourceVersion)); diff != "" {
			t.Errorf("event %d: version (-want +got):\n%s", i, diff)
		}
	}

	// Each member was asked to resume from its own part of the version.
	for _, m := range []*membertest.Member{m1, m2} {
		var got string
		for _, r := range m.Requests() {
			if r.Query.Get("watch") != "" {
				got = r.Query.Get("resourceVersion")
			}
		}
		if got != start[m.Name] {
			t.Errorf("%s was watched from %q, want %q", m.Name, got, start[m.Name])
		}
	}
}

func TestWatchResumesFromEventVersion(t *testing.T) {
	f := membertest.NewFleet(t, "member1", "member2")
	h := newHandler(f)
	m1, m2 := f.Member("member1"), f.Member("member2")
	w := startWatch(t, h, url.Values{})
	waitFor(t, func() bool { return m1.Watchers() == 1 && m2.Watchers() == 1 })
	m1.Add("ns", "a", nil)
	w.next()
	m2.Add("ns", "b", nil)
	ev := w.next()
	v := parseVersion(t, ev.Object.Metadata.ResourceVersion)

	// An informer resumes from the last object's version: every member from
	// its own.
	startWatch(t, h, url.Values{"resourceVersion": {ev.Object.Metadata.ResourceVersion}})
	waitFor(t, func() bool { return m1.Watchers() == 2 && m2.Watchers() == 2 })
	for _, m := range []*membertest.Member{m1, m2} {
		reqs := m.Requests()
		if got := reqs[len(reqs)-1].Query.Get("resourceVersion"); got != v[m.Name] {
			t.Errorf("%s resumed from %q, want %q", m.Name, got, v[m.Name])
		}
	}
}

func TestWatchInitialEventsEndOnce(t *testing.T) {
	f := membertest.NewFleet(t, "member1", "member2")
	h := newHandler(f)
	m1, m2 := f.Member("member1"), f.Member("member2")
	m1.Add("ns", "a", nil)
	m1.Add("ns", "b", nil)
	m2.Add("ns", "c", nil)
	gate := make(chan struct{})
	m2.InitialEventsGate = gate

	w := startWatch(t, h, url.Values{"sendInitialEvents": {"true"}, "resourceVersionMatch": {"NotOlderThan"}, "allowWatchBookmarks": {"true"}})
	added := map[string]bool{}
	for len(added) < 3 {
		ev := w.next()
		if ev.Type != "ADDED" {
			t.Fatalf("got %s %s before the initial objects", ev.Type, ev.Object.Key())
		}
		added[ev.Object.Key()] = true
	}
	if diff := cmp.Diff(map[string]bool{"member1/ns/a": true, "member1/ns/b": true, "member2/ns/c": true}, added); diff != "" {
		t.Errorf("initial events (-want +got):\n%s", diff)
	}
	// member1 has ended its initial events, member2 not yet: the merged stream
	// must not end them. member1's next event comes right after its bookmark.
	rv1 := m1.Update("ns", "a")
	if ev := w.next(); ev.Type != "MODIFIED" || ev.Object.Key() != "member1/ns/a" {
		t.Fatalf("got %s %s, want MODIFIED member1/ns/a (an early bookmark?)", ev.Type, ev.Object.Key())
	}

	close(gate)
	ev := w.next()
	if ev.Type != "BOOKMARK" || ev.Object.Metadata.Annotations[metav1.InitialEventsAnnotationKey] != "true" {
		t.Fatalf("got %s %v, want the bookmark ending the initial events", ev.Type, ev.Object.Metadata.Annotations)
	}
	if diff := cmp.Diff(Version{"member1": rv1, "member2": m2.RV()}, parseVersion(t, ev.Object.Metadata.ResourceVersion)); diff != "" {
		t.Errorf("bookmark version (-want +got):\n%s", diff)
	}

	// No second one.
	rv2 := m2.Update("ns", "c")
	ev = w.next()
	if ev.Type != "MODIFIED" || ev.Object.Key() != "member2/ns/c" {
		t.Fatalf("got %s %s, want MODIFIED member2/ns/c", ev.Type, ev.Object.Key())
	}
	if diff := cmp.Diff(Version{"member1": rv1, "member2": rv2}, parseVersion(t, ev.Object.Metadata.ResourceVersion)); diff != "" {
		t.Errorf("version (-want +got):\n%s", diff)
	}
	m2.Bookmark()
	if ev := w.next(); ev.Type != "BOOKMARK" || ev.Object.Metadata.Annotations[metav1.InitialEventsAnnotationKey] != "" {
		t.Errorf("a later bookmark is %s %v", ev.Type, ev.Object.Metadata.Annotations)
	}
}

func TestWatchLeavesOutFailingMembers(t *testing.T) {
	f := membertest.NewFleet(t, "member1", "member2", "member3")
	f.Member("member2").SetMode(membertest.Forbidden)
	f.Member("member3").SetMode(membertest.Broken)
	h := newHandler(f)
	w := startWatch(t, h, url.Values{})
	m1 := f.Member("member1")
	waitFor(t, func() bool { return m1.Watchers() == 1 })
	m1.Add("ns", "a", nil)
	if ev := w.next(); ev.Object.Key() != "member1/ns/a" {
		t.Errorf("event of %s", ev.Object.Key())
	}
	if diff := cmp.Diff([]string{"member3"}, clusterWarnings(t, w.warnings.Texts())); diff != "" {
		t.Errorf("warned clusters (-want +got):\n%s", diff)
	}

	// Every member forbidding the watch is a 403.
	f.Member("member1").SetMode(membertest.Forbidden)
	f.Member("member3").SetMode(membertest.Forbidden)
	res := membertest.Do(t, h, membertest.Call{Path: configMapsPath, Query: "watch=1"})
	res.Want(t, http.StatusForbidden)
}

func TestWatchEndsWhenAMemberEnds(t *testing.T) {
	f := membertest.NewFleet(t, "member1", "member2")
	h := newHandler(f)
	w := startWatch(t, h, url.Values{})
	waitFor(t, func() bool { return f.Member("member1").Watchers() == 1 && f.Member("member2").Watchers() == 1 })
	f.Member("member2").Server.CloseClientConnections()
	select {
	case <-w.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the merged watch goes on after a member's watch ended")
	}
	if w.responder.Err != nil {
		t.Errorf("responder error %v", w.responder.Err)
	}
}

func TestWatchRejectsGarbledVersion(t *testing.T) {
	f := membertest.NewFleet(t, "member1")
	h := newHandler(f)
	res := membertest.Do(t, h, membertest.Call{Path: configMapsPath, Query: "watch=1&resourceVersion=17"})
	res.Want(t, http.StatusBadRequest)
	if !strings.Contains(res.Err.Error(), "17") {
		t.Errorf("error %v does not quote the version", res.Err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestClusterTimeout(t *testing.T) {
	f := fleetWithObjects(t)
	f.Member("member2").SetMode(membertest.Hanging)
	h := newHandler(f)
	h.ClusterTimeout = 200 * time.Millisecond

	res, l := doList(t, h, configMapsPath, "")
	res.Want(t, http.StatusOK)
	if diff := cmp.Diff([]string{"member1/ns-a/db", "member1/ns-a/web", "member1/ns-b/web"}, l.Keys()); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"member2"}, clusterWarnings(t, res.Warnings)); diff != "" {
		t.Errorf("warned clusters (-want +got):\n%s", diff)
	}
	if !strings.Contains(strings.Join(res.Warnings, ""), "in time") {
		t.Errorf("warnings %q do not say the cluster timed out", res.Warnings)
	}

	// A watch: the timeout covers opening the member's stream only.
	w := startWatch(t, h, url.Values{})
	m1 := f.Member("member1")
	waitFor(t, func() bool { return m1.Watchers() == 1 })
	time.Sleep(2 * h.ClusterTimeout) // past the timeout, the open stream goes on
	m1.Add("ns", "late", nil)
	if ev := w.next(); ev.Object.Key() != "member1/ns/late" {
		t.Errorf("event of %s", ev.Object.Key())
	}
	texts := w.warnings.Texts()
	if diff := cmp.Diff([]string{"member2"}, clusterWarnings(t, texts)); diff != "" || !strings.Contains(strings.Join(texts, ""), "did not start the watch in time") {
		t.Errorf("watch warnings %q, want member2 timing out", texts)
	}
}

func TestWatchTable(t *testing.T) {
	f := membertest.NewFleet(t, "member1", "member2")
	h := newHandler(f)
	m1, m2 := f.Member("member1"), f.Member("member2")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ctx, _ = membertest.Context(ctx, membertest.Alice)
	handler, err := h.Connect(ctx, configMapsPath, &membertest.Responder{})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/proxy"+configMapsPath+"?watch=1", nil).WithContext(ctx)
	req.Header.Set("Accept", tableAcceptHeader)
	sw := newStreamWriter()
	done := make(chan struct{})
	go func() {
		defer close(done)
		handler.ServeHTTP(sw, req)
	}()
	defer func() { cancel(); <-done }()
	waitFor(t, func() bool { return m1.Watchers() == 1 && m2.Watchers() == 1 })

	next := func() (string, table) {
		t.Helper()
		select {
		case line := <-sw.lines:
			var ev struct {
				Type   string `json:"type"`
				Object table  `json:"object"`
			}
			if err := json.Unmarshal(line, &ev); err != nil {
				t.Fatalf("event is not JSON: %v\n%s", err, line)
			}
			return ev.Type, ev.Object
		case <-time.After(10 * time.Second):
			t.Fatal("no event in 10s")
		}
		return "", table{}
	}
	rv1 := m1.Add("ns", "a", nil)
	typ, tbl := next()
	if typ != "ADDED" || tbl.Kind != "Table" || len(tbl.Rows) != 1 || tbl.Rows[0].Cells[0] != "member1" || tbl.Rows[0].Object.Cluster() != "member1" {
		t.Fatalf("first event %s %+v", typ, tbl)
	}
	var columns []string
	for _, c := range tbl.ColumnDefinitions {
		columns = append(columns, c.Name)
	}
	if diff := cmp.Diff([]string{"Cluster", "Name", "Data"}, columns); diff != "" {
		t.Errorf("columns of the first event (-want +got):\n%s", diff)
	}
	// member2's first event carries its columns too; the merged stream sends
	// them once.
	rv2 := m2.Add("ns", "b", nil)
	typ, tbl = next()
	if typ != "ADDED" || len(tbl.Rows) != 1 || tbl.Rows[0].Cells[0] != "member2" || tbl.Rows[0].Cells[1] != "b" {
		t.Fatalf("second event %s %+v", typ, tbl)
	}
	if len(tbl.ColumnDefinitions) != 0 {
		t.Errorf("the second event repeats the columns: %v", tbl.ColumnDefinitions)
	}
	if diff := cmp.Diff(Version{"member1": rv1, "member2": rv2}, parseVersion(t, tbl.Metadata.ResourceVersion)); diff != "" {
		t.Errorf("version (-want +got):\n%s", diff)
	}
	// Bookmarks of a Table watch move the version without an event.
	rv1 = m1.Bookmark()
	rv2 = m2.Update("ns", "b")
	typ, tbl = next()
	if typ != "MODIFIED" {
		t.Fatalf("got %s after a bookmark, want MODIFIED", typ)
	}
	if diff := cmp.Diff(Version{"member1": rv1, "member2": rv2}, parseVersion(t, tbl.Metadata.ResourceVersion)); diff != "" {
		t.Errorf("version (-want +got):\n%s", diff)
	}
}
