// Package membertest fakes member clusters for the unit tests of the global
// proxy, the search and the search cache's collector: each Member is an
// httptest.Server that serves ConfigMaps like a kube-apiserver (lists with
// selectors, pagination at an exact resourceVersion, Tables, gets, writes and
// watches) plus its discovery, and a Fleet gives the global proxy its
// ClusterLister and Members over them. It is for unit tests only.
package membertest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Mode makes a member fail every request.
type Mode int

const (
	// Healthy answers normally.
	Healthy Mode = iota
	// Forbidden answers every request with 403, as a member whose RBAC denies the caller.
	Forbidden
	// Broken answers every request with 500.
	Broken
	// Hanging answers no request: it waits until the client gives up.
	Hanging
)

// Request is a request a member received.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   string
}

// record is one version of one ConfigMap: alive from created until deleted
// (0 while it is the current version).
type record struct {
	namespace, name string
	labels          map[string]string
	data            map[string]string
	created         int64
	deleted         int64
}

// Member is a fake kube-apiserver of one member cluster.
type Member struct {
	Name   string
	Server *httptest.Server
	URL    *url.URL
	// InitialEventsGate, when set before a watch with sendInitialEvents=true,
	// holds back the bookmark that ends the initial events until it is closed.
	InitialEventsGate chan struct{}
	// BeforeServe, when set, runs before the member answers each request, as
	// a change on the member between two requests.
	BeforeServe func(Request)

	mu      sync.Mutex
	rv      int64
	records []*record
	mode    Mode
	// allowed, when not nil, are the only namespaces whose ConfigMaps the
	// caller may read: cluster-wide requests and other namespaces get 403.
	allowed  []string
	requests []Request
	watchers map[chan []byte]string // event channel -> namespace watched ("" for all)
	// groups and resources are the discovery of the member.
	groups    []metav1.APIGroup
	resources map[string][]metav1.APIResource // by group/version ("v1", "apps/v1")
}

// ConfigMapResource is the discovery of configmaps.
var ConfigMapResource = metav1.APIResource{Name: "configmaps", Namespaced: true, Kind: "ConfigMap",
	Verbs: metav1.Verbs{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}}

// ConfigMaps is the resource type the members serve.
var ConfigMaps = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}

// NewMember starts a member whose resourceVersions start after baseRV. It
// serves configmaps in v1 and no API group until SetDiscovery says otherwise.
func NewMember(t testing.TB, name string, baseRV int64) *Member {
	t.Helper()
	m := &Member{Name: name, rv: baseRV, watchers: map[chan []byte]string{},
		resources: map[string][]metav1.APIResource{"v1": {ConfigMapResource}}}
	m.Server = httptest.NewServer(m)
	u, err := url.Parse(m.Server.URL)
	if err != nil {
		t.Fatal(err)
	}
	m.URL = u
	t.Cleanup(m.Close)
	return m
}

// Close stops the member: afterwards it is unreachable.
func (m *Member) Close() {
	m.Server.CloseClientConnections()
	m.Server.Close()
}

// SetMode makes the member fail every request (or not).
func (m *Member) SetMode(mode Mode) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.mode = mode
}

// AllowNamespaces limits the caller to the ConfigMaps of these namespaces (of
// none when there are none), as a team's RBAC does: cluster-wide requests and
// other namespaces are forbidden. AllowAll lifts the limit.
func (m *Member) AllowNamespaces(namespaces ...string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.allowed = append([]string{}, namespaces...)
}

// AllowAll lets the caller read every ConfigMap.
func (m *Member) AllowAll() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.allowed = nil
}

// SetDiscovery replaces the member's discovery: its API groups and the
// resources of each group/version ("v1" is the core group).
func (m *Member) SetDiscovery(groups []metav1.APIGroup, resources map[string][]metav1.APIResource) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.groups, m.resources = groups, resources
}

// RV returns the member's current resourceVersion.
func (m *Member) RV() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return strconv.FormatInt(m.rv, 10)
}

// Requests returns the requests the member received, in order.
func (m *Member) Requests() []Request {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.requests)
}

// Watchers returns how many watches are open on the member.
func (m *Member) Watchers() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.watchers)
}

// Add creates a ConfigMap and returns its resourceVersion; open watches get an
// ADDED event.
func (m *Member) Add(namespace, name string, lbls map[string]string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.current(namespace, name) != nil {
		panic(fmt.Sprintf("member %s already has %s/%s", m.Name, namespace, name))
	}
	m.rv++
	r := &record{namespace: namespace, name: name, labels: lbls, data: map[string]string{"cluster": m.Name}, created: m.rv}
	m.records = append(m.records, r)
	m.broadcast("ADDED", r)
	return strconv.FormatInt(r.created, 10)
}

// Update changes a ConfigMap's data and returns its new resourceVersion; open
// watches get a MODIFIED event.
func (m *Member) Update(namespace, name string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := m.retire(namespace, name)
	r := &record{namespace: namespace, name: name, labels: old.labels, data: map[string]string{"cluster": m.Name, "at": strconv.FormatInt(m.rv, 10)}, created: m.rv}
	m.records = append(m.records, r)
	m.broadcast("MODIFIED", r)
	return strconv.FormatInt(r.created, 10)
}

// retire ends the current version of a ConfigMap at a new resourceVersion and
// returns it. The caller holds m.mu.
func (m *Member) retire(namespace, name string) *record {
	old := m.current(namespace, name)
	if old == nil {
		panic(fmt.Sprintf("member %s has no %s/%s", m.Name, namespace, name))
	}
	m.rv++
	old.deleted = m.rv
	return old
}

// Delete deletes a ConfigMap and returns the resourceVersion of the deletion;
// open watches get a DELETED event.
func (m *Member) Delete(namespace, name string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	gone := *m.retire(namespace, name)
	gone.created = m.rv
	m.broadcast("DELETED", &gone)
	return strconv.FormatInt(m.rv, 10)
}

// Bookmark sends open watches a BOOKMARK at the current resourceVersion and
// returns it.
func (m *Member) Bookmark() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	rv := strconv.FormatInt(m.rv, 10)
	m.send("", bookmark(rv, false))
	return rv
}

// Objects returns the current ConfigMaps as a reflector would list them, to
// fill a cache shard with.
func (m *Member) Objects() []interface{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []interface{}
	for _, r := range m.alive(m.rv, "") {
		u := &unstructured.Unstructured{}
		if err := json.Unmarshal(r.object(), &u.Object); err != nil {
			panic(err)
		}
		out = append(out, u)
	}
	return out
}

// current returns the current version of an object; m.mu is held.
func (m *Member) current(namespace, name string) *record {
	for _, r := range m.records {
		if r.namespace == namespace && r.name == name && r.deleted == 0 {
			return r
		}
	}
	return nil
}

// alive returns the objects of namespace ("" for all) as of rv, sorted by
// namespace and name; m.mu is held.
func (m *Member) alive(rv int64, namespace string) []*record {
	var out []*record
	for _, r := range m.records {
		if r.created <= rv && (r.deleted == 0 || r.deleted > rv) && (namespace == "" || r.namespace == namespace) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b *record) int {
		if c := strings.Compare(a.namespace, b.namespace); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	return out
}

func (r *record) metadata() map[string]any {
	md := map[string]any{
		"name":              r.name,
		"namespace":         r.namespace,
		"uid":               "uid-" + r.namespace + "-" + r.name,
		"resourceVersion":   strconv.FormatInt(r.created, 10),
		"creationTimestamp": "2026-01-02T03:04:05Z",
	}
	if len(r.labels) > 0 {
		md["labels"] = r.labels
	}
	return md
}

func (r *record) object() []byte {
	b, _ := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": r.metadata(), "data": r.data})
	return b
}

func (r *record) row() map[string]any {
	return map[string]any{
		"cells":  []any{r.name, len(r.data)},
		"object": map[string]any{"apiVersion": "meta.k8s.io/v1", "kind": "PartialObjectMetadata", "metadata": r.metadata()},
	}
}

func bookmark(rv string, initialEventsEnd bool) []byte {
	md := map[string]any{"resourceVersion": rv}
	if initialEventsEnd {
		md["annotations"] = map[string]string{metav1.InitialEventsAnnotationKey: "true"}
	}
	return event("BOOKMARK", map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": md})
}

func event(typ string, obj any) []byte {
	raw, ok := obj.([]byte)
	if !ok {
		raw, _ = json.Marshal(obj)
	}
	b, _ := json.Marshal(map[string]any{"type": typ, "object": json.RawMessage(raw)})
	return append(b, '\n')
}

// broadcast sends an event of r to the watches of its namespace; m.mu is held.
func (m *Member) broadcast(typ string, r *record) {
	m.send(r.namespace, event(typ, r.object()))
}

func (m *Member) send(namespace string, ev []byte) {
	for ch, ns := range m.watchers {
		if ns == "" || namespace == "" || ns == namespace {
			select {
			case ch <- ev:
			default:
				panic(fmt.Sprintf("member %s: a watcher is not reading its events", m.Name))
			}
		}
	}
}

// ServeHTTP answers like a kube-apiserver serving ConfigMaps.
func (m *Member) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	m.mu.Lock()
	req := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: string(body)}
	m.requests = append(m.requests, req)
	mode, allowed, before := m.mode, m.allowed, m.BeforeServe
	m.mu.Unlock()
	if before != nil {
		before(req)
	}
	switch mode {
	case Forbidden:
		writeStatus(w, apierrors.NewForbidden(schema.GroupResource{Resource: "configmaps"}, "", fmt.Errorf("member %s forbids it", m.Name)))
		return
	case Broken:
		writeStatus(w, apierrors.NewInternalError(fmt.Errorf("member %s is broken", m.Name)))
		return
	case Hanging:
		<-r.Context().Done()
		return
	}
	if m.serveDiscovery(w, r.URL.Path) {
		return
	}
	namespace, name, ok := parseConfigMapPath(r.URL.Path)
	if !ok {
		writeStatus(w, apierrors.NewNotFound(schema.GroupResource{}, r.URL.Path))
		return
	}
	if allowed != nil && !slices.Contains(allowed, namespace) {
		writeStatus(w, apierrors.NewForbidden(schema.GroupResource{Resource: "configmaps"}, name,
			fmt.Errorf("member %s: %s may not read configmaps in %q", m.Name, r.Header.Get("Impersonate-User"), namespace)))
		return
	}
	q := r.URL.Query()
	table := strings.Contains(r.Header.Get("Accept"), "as=Table")
	switch {
	case r.Method == http.MethodGet && name == "" && (q.Get("watch") == "true" || q.Get("watch") == "1"):
		m.watch(w, r, namespace)
	case r.Method == http.MethodGet && name == "":
		m.list(w, q, namespace, table)
	case r.Method == http.MethodGet:
		m.get(w, namespace, name, table)
	case r.Method == http.MethodPost && name == "":
		m.create(w, namespace, body)
	case name != "" && (r.Method == http.MethodPut || r.Method == http.MethodPatch || r.Method == http.MethodDelete):
		m.write(w, r.Method, namespace, name, body)
	default:
		writeStatus(w, apierrors.NewMethodNotSupported(schema.GroupResource{Resource: "configmaps"}, r.Method))
	}
}

func (m *Member) serveDiscovery(w http.ResponseWriter, path string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case path == "/api" || path == "/api/":
		writeJSON(w, http.StatusOK, &metav1.APIVersions{TypeMeta: metav1.TypeMeta{Kind: "APIVersions"}, Versions: []string{"v1"}})
	case path == "/apis" || path == "/apis/":
		writeJSON(w, http.StatusOK, &metav1.APIGroupList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"}, Groups: m.groups})
	case parts[0] == "apis" && len(parts) == 2:
		for _, g := range m.groups {
			if g.Name == parts[1] {
				g.TypeMeta = metav1.TypeMeta{Kind: "APIGroup", APIVersion: "v1"}
				writeJSON(w, http.StatusOK, &g)
				return true
			}
		}
		writeStatus(w, apierrors.NewNotFound(schema.GroupResource{}, path))
	case (parts[0] == "api" && len(parts) == 2) || (parts[0] == "apis" && len(parts) == 3):
		gv := strings.Join(parts[1:], "/")
		res, ok := m.resources[gv]
		if !ok {
			writeStatus(w, apierrors.NewNotFound(schema.GroupResource{}, path))
			return true
		}
		writeJSON(w, http.StatusOK, &metav1.APIResourceList{TypeMeta: metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"}, GroupVersion: gv, APIResources: res})
	default:
		return false
	}
	return true
}

// parseConfigMapPath splits /api/v1/[namespaces/NS/]configmaps[/NAME].
func parseConfigMapPath(path string) (namespace, name string, ok bool) {
	rest, ok := strings.CutPrefix(path, "/api/v1/")
	if !ok {
		return "", "", false
	}
	parts := strings.Split(rest, "/")
	if len(parts) >= 3 && parts[0] == "namespaces" {
		namespace, parts = parts[1], parts[2:]
	}
	switch {
	case len(parts) == 1 && parts[0] == "configmaps":
		return namespace, "", true
	case len(parts) == 2 && parts[0] == "configmaps" && namespace != "":
		return namespace, parts[1], true
	}
	return "", "", false
}

type continueState struct {
	RV                    int64
	AfterNamespace, After string
}

func (m *Member) list(w http.ResponseWriter, q url.Values, namespace string, table bool) {
	sel, fsel, err := selectors(q)
	if err != nil {
		writeStatus(w, apierrors.NewBadRequest(err.Error()))
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	snapshot := m.rv
	var from *continueState
	switch {
	case q.Get("continue") != "":
		raw, err := base64.RawURLEncoding.DecodeString(q.Get("continue"))
		var st continueState
		if err != nil || json.Unmarshal(raw, &st) != nil {
			writeStatus(w, apierrors.NewBadRequest("member: bad continue token"))
			return
		}
		from, snapshot = &st, st.RV
	case q.Get("resourceVersion") != "":
		rv, err := strconv.ParseInt(q.Get("resourceVersion"), 10, 64)
		if err != nil {
			writeStatus(w, apierrors.NewBadRequest(fmt.Sprintf("member: resourceVersion %q is not a number", q.Get("resourceVersion"))))
			return
		}
		if q.Get("resourceVersionMatch") == "Exact" {
			if rv > m.rv {
				writeStatus(w, apierrors.NewTimeoutError("Too large resource version", 1))
				return
			}
			snapshot = rv
		}
	}
	limit, _ := strconv.Atoi(q.Get("limit"))
	var items []*record
	next := ""
	for _, r := range m.alive(snapshot, namespace) {
		if from != nil && (r.namespace < from.AfterNamespace || r.namespace == from.AfterNamespace && r.name <= from.After) {
			continue
		}
		if !matches(r, sel, fsel) {
			continue
		}
		if limit > 0 && len(items) == limit {
			last := items[len(items)-1]
			raw, _ := json.Marshal(continueState{RV: snapshot, AfterNamespace: last.namespace, After: last.name})
			next = base64.RawURLEncoding.EncodeToString(raw)
			break
		}
		items = append(items, r)
	}
	meta := map[string]any{"resourceVersion": strconv.FormatInt(snapshot, 10)}
	if next != "" {
		meta["continue"] = next
	}
	if table {
		rows := []any{}
		for _, r := range items {
			rows = append(rows, r.row())
		}
		writeJSON(w, http.StatusOK, map[string]any{"apiVersion": "meta.k8s.io/v1", "kind": "Table", "metadata": meta,
			"columnDefinitions": tableColumns, "rows": rows})
		return
	}
	objs := []json.RawMessage{}
	for _, r := range items {
		objs = append(objs, r.object())
	}
	writeJSON(w, http.StatusOK, map[string]any{"apiVersion": "v1", "kind": "ConfigMapList", "metadata": meta, "items": objs})
}

var tableColumns = []metav1.TableColumnDefinition{
	{Name: "Name", Type: "string", Format: "name", Description: "Name of the object."},
	{Name: "Data", Type: "integer", Description: "Number of keys."},
}

func selectors(q url.Values) (labels.Selector, fields.Selector, error) {
	sel, fsel := labels.Everything(), fields.Everything()
	var err error
	if s := q.Get("labelSelector"); s != "" {
		if sel, err = labels.Parse(s); err != nil {
			return nil, nil, err
		}
	}
	if s := q.Get("fieldSelector"); s != "" {
		if fsel, err = fields.ParseSelector(s); err != nil {
			return nil, nil, err
		}
		for _, r := range fsel.Requirements() {
			if r.Field != "metadata.name" && r.Field != "metadata.namespace" {
				return nil, nil, fmt.Errorf("field label not supported: %s", r.Field)
			}
		}
	}
	return sel, fsel, nil
}

func matches(r *record, sel labels.Selector, fsel fields.Selector) bool {
	return sel.Matches(labels.Set(r.labels)) && fsel.Matches(fields.Set{"metadata.name": r.name, "metadata.namespace": r.namespace})
}

func (m *Member) get(w http.ResponseWriter, namespace, name string, table bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.current(namespace, name)
	switch {
	case r == nil:
		writeStatus(w, apierrors.NewNotFound(schema.GroupResource{Resource: "configmaps"}, name))
	case table:
		writeJSON(w, http.StatusOK, map[string]any{"apiVersion": "meta.k8s.io/v1", "kind": "Table",
			"metadata":          map[string]any{"resourceVersion": strconv.FormatInt(m.rv, 10)},
			"columnDefinitions": tableColumns, "rows": []any{r.row()}})
	default:
		writeRaw(w, http.StatusOK, r.object())
	}
}

func (m *Member) create(w http.ResponseWriter, namespace string, body []byte) {
	var obj struct {
		Metadata metav1.ObjectMeta `json:"metadata"`
	}
	if err := json.Unmarshal(body, &obj); err != nil || obj.Metadata.Name == "" {
		writeStatus(w, apierrors.NewBadRequest("member: the body is not an object with a name"))
		return
	}
	m.mu.Lock()
	if m.current(namespace, obj.Metadata.Name) != nil {
		m.mu.Unlock()
		writeStatus(w, apierrors.NewAlreadyExists(schema.GroupResource{Resource: "configmaps"}, obj.Metadata.Name))
		return
	}
	m.mu.Unlock()
	m.Add(namespace, obj.Metadata.Name, obj.Metadata.Labels)
	m.mu.Lock()
	defer m.mu.Unlock()
	writeRaw(w, http.StatusCreated, m.current(namespace, obj.Metadata.Name).object())
}

// write answers PUT, PATCH and DELETE of a named ConfigMap: a PUT must carry
// the object's current resourceVersion, as the real API server checks it.
func (m *Member) write(w http.ResponseWriter, method, namespace, name string, body []byte) {
	m.mu.Lock()
	r := m.current(namespace, name)
	m.mu.Unlock()
	if r == nil {
		writeStatus(w, apierrors.NewNotFound(schema.GroupResource{Resource: "configmaps"}, name))
		return
	}
	switch method {
	case http.MethodPut:
		var obj struct {
			Metadata metav1.ObjectMeta `json:"metadata"`
		}
		if err := json.Unmarshal(body, &obj); err != nil {
			writeStatus(w, apierrors.NewBadRequest("member: the body is not an object"))
			return
		}
		if rv := obj.Metadata.ResourceVersion; rv != "" && rv != strconv.FormatInt(r.created, 10) {
			writeStatus(w, apierrors.NewConflict(schema.GroupResource{Resource: "configmaps"}, name,
				fmt.Errorf("member: resourceVersion %q is not the current %d", rv, r.created)))
			return
		}
		m.Update(namespace, name)
	case http.MethodPatch:
		m.Update(namespace, name)
	case http.MethodDelete:
		m.Delete(namespace, name)
		writeJSON(w, http.StatusOK, &metav1.Status{TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}, Status: metav1.StatusSuccess})
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	writeRaw(w, http.StatusOK, m.current(namespace, name).object())
}

// watch streams events: with sendInitialEvents=true first an ADDED event of
// every object and the bookmark that ends them, then what Add, Update, Delete
// and Bookmark send, until the client goes away.
func (m *Member) watch(w http.ResponseWriter, r *http.Request, namespace string) {
	ch := make(chan []byte, 1024)
	m.mu.Lock()
	var initial [][]byte
	initialRV := strconv.FormatInt(m.rv, 10)
	if r.URL.Query().Get("sendInitialEvents") == "true" {
		for _, rec := range m.alive(m.rv, namespace) {
			initial = append(initial, event("ADDED", rec.object()))
		}
	}
	m.watchers[ch] = namespace
	gate := m.InitialEventsGate
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		delete(m.watchers, ch)
		m.mu.Unlock()
	}()
	flusher := w.(http.Flusher)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	flusher.Flush()
	table := strings.Contains(r.Header.Get("Accept"), "as=Table")
	columnsSent := false
	write := func(ev []byte) bool {
		if table {
			// As the API server prints a watch: each object a Table of one
			// row, the columns in the first event only.
			ev, columnsSent = tableEvent(ev, columnsSent)
		}
		if _, err := w.Write(ev); err != nil {
			return false
		}
		flusher.Flush()
		return true
	}
	ctx := r.Context()
	if r.URL.Query().Get("sendInitialEvents") == "true" {
		for _, ev := range initial {
			if !write(ev) {
				return
			}
		}
		if gate != nil {
			select {
			case <-gate:
			case <-ctx.Done():
				return
			}
		}
		if !write(bookmark(initialRV, true)) {
			return
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-ch:
			if !write(ev) {
				return
			}
		}
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, _ := json.Marshal(v)
	writeRaw(w, code, b)
}

func writeRaw(w http.ResponseWriter, code int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

func writeStatus(w http.ResponseWriter, err *apierrors.StatusError) {
	s := err.Status()
	s.TypeMeta = metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}
	writeJSON(w, int(s.Code), &s)
}

// tableEvent turns an event of an object into an event of its Table.
func tableEvent(ev []byte, columnsSent bool) ([]byte, bool) {
	var in struct {
		Type   string `json:"type"`
		Object struct {
			Metadata metav1.ObjectMeta `json:"metadata"`
			Data     map[string]string `json:"data"`
		} `json:"object"`
	}
	if err := json.Unmarshal(ev, &in); err != nil {
		panic(err)
	}
	md := in.Object.Metadata
	t := map[string]any{"apiVersion": "meta.k8s.io/v1", "kind": "Table", "metadata": map[string]any{"resourceVersion": md.ResourceVersion}, "rows": []any{}}
	if in.Type != "BOOKMARK" {
		r := &record{namespace: md.Namespace, name: md.Name, labels: md.Labels, data: in.Object.Data}
		r.created, _ = strconv.ParseInt(md.ResourceVersion, 10, 64)
		t["rows"] = []any{r.row()}
	}
	if !columnsSent {
		t["columnDefinitions"] = tableColumns
	}
	return event(in.Type, t), true
}
