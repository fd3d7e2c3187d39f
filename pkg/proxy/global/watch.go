package global

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// initialEventsEnd is the annotation of the bookmark that ends the initial
// events of a watch with sendInitialEvents=true.
const initialEventsEnd = metav1.InitialEventsAnnotationKey

// memberEvent is one event of one member's watch.
type memberEvent struct {
	cluster string
	Type    string          `json:"type"`
	Object  json.RawMessage `json:"object"`
	// done is true when the member's stream ended, closed or broken.
	done bool
}

// watch merges the watches of every cluster into one stream. Each object
// carries its cluster and the multi-cluster version of the stream at that
// event, so a client resumes all clusters from the last event it saw. The
// merged watch ends when any member's watch ends; the client then resumes.
func (h *Handler) watch(ctx context.Context, w http.ResponseWriter, c *call) error {
	clusters, err := h.Targets(ctx, c.named)
	if err != nil {
		return err
	}
	start, _, err := ParseVersion(c.query.Get("resourceVersion"))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := fanOut(ctx, h, clusters, func(_ context.Context, cluster string) (*http.Response, error) {
		// The timeout covers getting the member's headers, not the stream.
		opened := make(chan struct{})
		streamCtx, stop := context.WithCancel(ctx)
		if h.ClusterTimeout > 0 {
			go func() {
				select {
				case <-opened:
				case <-time.After(h.ClusterTimeout):
					stop()
				case <-streamCtx.Done():
				}
			}()
		}
		resp, err := h.open(streamCtx, cluster, memberRequest{method: http.MethodGet, path: c.path,
			query: memberQuery(c.query, start, cluster), accept: c.accept()})
		close(opened)
		if err != nil {
			// Check for the timeout before stop() cancels streamCtx itself.
			if streamCtx.Err() != nil && ctx.Err() == nil {
				err = apierrors.NewTimeoutError(fmt.Sprintf("cluster %s did not start the watch in time", cluster), 0)
			}
			stop()
			return nil, err
		}
		context.AfterFunc(ctx, stop)
		return resp, nil
	})
	streams, err := settle(ctx, results)
	if err != nil {
		return err
	}
	if len(streams) == 0 {
		return apierrors.NewServiceUnavailable("no cluster to watch")
	}
	events := make(chan memberEvent)
	for _, s := range streams {
		go readEvents(ctx, s.cluster, s.value, events)
	}

	flusher, _ := w.(http.Flusher)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	if flusher != nil {
		flusher.Flush()
	}
	m := &merger{version: Version{}, pending: map[string]bool{}}
	for cl, rv := range start {
		m.version[cl] = rv
	}
	if c.query.Get("sendInitialEvents") == "true" {
		for _, s := range streams {
			m.pending[s.cluster] = true
		}
	}
	var buf bytes.Buffer
	for {
		var ev memberEvent
		select {
		case <-ctx.Done():
			return nil
		case ev = <-events:
		}
		if ev.done {
			// One member ended its watch; end the merged one so that the
			// client resumes every cluster from where it is.
			return nil
		}
		buf.Reset()
		last, err := m.event(&buf, ev)
		if err != nil {
			Warn(ctx, ev.cluster, err)
			return nil
		}
		if buf.Len() > 0 {
			if _, err := w.Write(buf.Bytes()); err != nil {
				return nil
			}
			if flusher != nil {
				flusher.Flush()
			}
		}
		if last {
			return nil
		}
	}
}

// readEvents decodes one member's watch stream into events until it ends.
func readEvents(ctx context.Context, cluster string, resp *http.Response, events chan<- memberEvent) {
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	for {
		ev := memberEvent{cluster: cluster}
		if err := dec.Decode(&ev); err != nil {
			ev = memberEvent{cluster: cluster, done: true}
		}
		select {
		case events <- ev:
		case <-ctx.Done():
			return
		}
		if ev.done {
			return
		}
	}
}

// merger rewrites the events of the member watches into the merged stream.
type merger struct {
	version Version
	// pending are the clusters whose initial events have not ended yet.
	pending map[string]bool
	// columnsSent is true once a Table event carried the column definitions.
	columnsSent bool
}

// event writes the merged form of ev into buf (nothing for an event the merged
// stream swallows). last is true when the stream must end after it.
func (m *merger) event(buf *bytes.Buffer, ev memberEvent) (last bool, err error) {
	if ev.Type == "ERROR" {
		// A member's error (410 Gone: the version is too old) ends the
		// watch; the client must list again.
		writeEvent(buf, ev.Type, ev.Object)
		return true, nil
	}
	var probe struct {
		Kind     string `json:"kind"`
		Metadata struct {
			ResourceVersion string            `json:"resourceVersion"`
			Annotations     map[string]string `json:"annotations"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(ev.Object, &probe); err != nil {
		return true, fmt.Errorf("watch event this server cannot read: %w", err)
	}
	if probe.Kind == "Table" {
		return false, m.tableEvent(buf, ev)
	}
	if rv := probe.Metadata.ResourceVersion; rv != "" {
		m.version[ev.cluster] = rv
	}
	if ev.Type == "BOOKMARK" && probe.Metadata.Annotations[initialEventsEnd] == "true" {
		delete(m.pending, ev.cluster)
		if len(m.pending) > 0 {
			return false, nil
		}
	}
	obj, _, err := Annotate(ev.Object, ev.cluster, m.version.Encode())
	if err != nil {
		return true, err
	}
	writeEvent(buf, ev.Type, obj)
	return false, nil
}

// tableEvent rewrites an event whose object is a Table (kubectl get --watch).
func (m *merger) tableEvent(buf *bytes.Buffer, ev memberEvent) error {
	var l memberList
	if err := json.Unmarshal(ev.Object, &l); err != nil {
		return err
	}
	if rv := l.Metadata.ResourceVersion; rv != "" {
		m.version[ev.cluster] = rv
	}
	if ev.Type == "BOOKMARK" {
		return nil
	}
	page := &Page{Table: true, Columns: l.ColumnDefinitions, Version: m.version.Clone()}
	if err := page.add(ev.cluster, &l); err != nil {
		return err
	}
	page.Version = m.version.Clone()
	columns := len(l.ColumnDefinitions) > 0 && !m.columnsSent
	m.columnsSent = m.columnsSent || columns
	var obj bytes.Buffer
	page.encode(&obj, columns)
	writeEvent(buf, ev.Type, obj.Bytes())
	return nil
}

func writeEvent(buf *bytes.Buffer, typ string, obj []byte) {
	buf.WriteString(`{"type":`)
	t, _ := json.Marshal(typ)
	buf.Write(t)
	buf.WriteString(`,"object":`)
	buf.Write(obj)
	buf.WriteString("}\n")
}
