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
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// initialEventsEnd is the annotation of the bookmark that ends the initial
// events of a watch with sendInitialEvents=true.
const initialEventsEnd = metav1.InitialEventsAnnotationKey

// memberEvent is one event of one member's watch.
type memberEvent struct {
	cluster string
	// namespace is the namespace the stream watches, when the member lets the
	// caller watch only some of them (see openWatch); empty otherwise.
	namespace string
	Type      string          `json:"type"`
	Object    json.RawMessage `json:"object"`
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
	results := fanOut(ctx, h, clusters, func(_ context.Context, cluster string) ([]watchStream, error) {
		return h.openWatch(ctx, c, cluster, start)
	})
	opened, err := settle(ctx, results)
	if err != nil {
		return err
	}
	if len(opened) == 0 {
		return apierrors.NewServiceUnavailable("no cluster to watch")
	}
	m := &merger{version: Version{}, positions: map[string]map[string]string{}, pending: map[string]bool{}}
	for cl, rv := range start {
		m.version[cl] = rv
	}
	events := make(chan memberEvent)
	for _, o := range opened {
		for _, s := range o.value {
			m.track(s, start[s.cluster], c.query.Get("sendInitialEvents") == "true")
			go readEvents(ctx, s, events)
		}
	}

	flusher, _ := w.(http.Flusher)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	if flusher != nil {
		flusher.Flush()
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

// watchStream is one member watch that feeds the merged stream.
type watchStream struct {
	cluster string
	// namespace is set for one of the watches of a member that lets the
	// caller watch only some namespaces.
	namespace string
	resp      *http.Response
}

// key names the stream among those of the merged watch.
func (s watchStream) key() string { return s.cluster + "/" + s.namespace }

// maxNamespaceWatches bounds how many watches one caller's watch over all
// namespaces opens on one member, one per namespace the member allows.
const maxNamespaceWatches = 100

// openWatch opens one cluster's part of a watch. When the member forbids the
// caller a watch over all namespaces but lets them watch some (the usual shape
// of a team's RBAC), it watches each of those, as lists over all namespaces
// list each (see listAnyNamespace).
func (h *Handler) openWatch(ctx context.Context, c *call, cluster string, start Version) ([]watchStream, error) {
	r := memberRequest{method: http.MethodGet, path: c.path, query: memberQuery(c.query, start, cluster), accept: c.accept()}
	resp, err := h.openStream(ctx, cluster, r)
	if err == nil {
		return []watchStream{{cluster: cluster, resp: resp}}, nil
	}
	if !apierrors.IsForbidden(err) || h.Namespaces == nil || c.info.Namespace != "" {
		return nil, err
	}
	namespaces, nsErr := h.Namespaces.AllowedNamespaces(ctx, cluster, "watch", c.info.APIGroup, c.info.APIVersion, c.info.Resource)
	if nsErr != nil {
		Warn(ctx, cluster, nsErr)
		return nil, err
	}
	if len(namespaces) > maxNamespaceWatches {
		return nil, apierrors.NewForbidden(schema.GroupResource{Group: c.info.APIGroup, Resource: c.info.Resource}, "",
			fmt.Errorf("cluster %s lets the caller watch %d namespaces but not all of them; a watch over all namespaces "+
				"watches at most %d namespaces one by one: watch one namespace, or get the right to watch all of them", cluster, len(namespaces), maxNamespaceWatches))
	}
	var streams []watchStream
	for _, ns := range namespaces {
		r.path = namespacedPath(c, ns)
		resp, nsErr := h.openStream(ctx, cluster, r)
		if apierrors.IsForbidden(nsErr) || apierrors.IsNotFound(nsErr) {
			continue
		}
		if nsErr != nil {
			for _, s := range streams {
				s.resp.Body.Close()
			}
			return nil, nsErr
		}
		streams = append(streams, watchStream{cluster: cluster, namespace: ns, resp: resp})
	}
	if len(streams) == 0 {
		return nil, apierrors.NewForbidden(schema.GroupResource{Group: c.info.APIGroup, Resource: c.info.Resource}, "",
			fmt.Errorf("cluster %s lets the caller watch it in no namespace", cluster))
	}
	return streams, nil
}

// openStream opens one member watch. The cluster timeout covers getting the
// member's headers, not the stream, which lasts until ctx ends.
func (h *Handler) openStream(ctx context.Context, cluster string, r memberRequest) (*http.Response, error) {
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
	resp, err := h.open(streamCtx, cluster, r)
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
}

// readEvents decodes one member's watch stream into events until it ends.
func readEvents(ctx context.Context, s watchStream, events chan<- memberEvent) {
	defer s.resp.Body.Close()
	dec := json.NewDecoder(s.resp.Body)
	for {
		ev := memberEvent{cluster: s.cluster, namespace: s.namespace}
		if err := dec.Decode(&ev); err != nil {
			ev = memberEvent{cluster: s.cluster, namespace: s.namespace, done: true}
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
	// positions are, per cluster watched in several namespaces, the version
	// each namespace's stream has reached ("" before its first event when the
	// watch did not start from a version).
	positions map[string]map[string]string
	// pending are the streams whose initial events have not ended yet.
	pending map[string]bool
	// columnsSent is true once a Table event carried the column definitions.
	columnsSent bool
}

// track registers a stream of the merged watch, which starts at the
// cluster's version start.
func (m *merger) track(s watchStream, start string, initialEvents bool) {
	if initialEvents {
		m.pending[s.key()] = true
	}
	if s.namespace == "" {
		return
	}
	if m.positions[s.cluster] == nil {
		m.positions[s.cluster] = map[string]string{}
	}
	m.positions[s.cluster][s.namespace] = start
}

// advance records that ev's stream reached rv. A cluster watched in several
// namespaces is at the oldest version its streams reached, so that a watch
// resumed from it misses no event of any namespace (it may repeat some). Until
// every stream has a version, the cluster has none: a resumed watch then starts
// it afresh.
func (m *merger) advance(ev memberEvent, rv string) {
	if rv == "" {
		return
	}
	positions := m.positions[ev.cluster]
	if positions == nil {
		m.version[ev.cluster] = rv
		return
	}
	positions[ev.namespace] = rv
	oldest := ""
	for _, p := range positions {
		if p == "" {
			delete(m.version, ev.cluster)
			return
		}
		if oldest == "" || newerVersion(oldest, p) {
			oldest = p
		}
	}
	m.version[ev.cluster] = oldest
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
	m.advance(ev, probe.Metadata.ResourceVersion)
	if ev.Type == "BOOKMARK" && probe.Metadata.Annotations[initialEventsEnd] == "true" {
		delete(m.pending, watchStream{cluster: ev.cluster, namespace: ev.namespace}.key())
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
	m.advance(ev, l.Metadata.ResourceVersion)
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
