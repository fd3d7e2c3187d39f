package global

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Item is one object of a merged answer: its JSON, already annotated with its
// cluster, and where it sorts.
type Item struct {
	Key    ObjectKey
	Object []byte
	// Cells and Conditions are the object's Table row (without the cluster
	// cell) when the answer is a Table.
	Cells      []json.RawMessage
	Conditions json.RawMessage
}

// Page is one merged answer to a list: a list of the members' kind, or a Table.
type Page struct {
	// APIVersion and Kind are those of the members' lists, e.g. v1 and PodList.
	APIVersion, Kind string
	// Columns are the members' Table columns when the answer is a Table.
	Columns []metav1.TableColumnDefinition
	Table   bool
	Items   []Item
	// Version is the multi-cluster resourceVersion of the answer.
	Version  Version
	Continue string
}

// Sort orders the items by cluster, then namespace, then name.
func (p *Page) Sort() {
	compare := func(a, b Item) int { return a.Key.Compare(b.Key) }
	// Members list in key order, which is this order but for rare namespace
	// names; checking is much cheaper than sorting.
	if !slices.IsSortedFunc(p.Items, compare) {
		slices.SortStableFunc(p.Items, compare)
	}
}

// clusterColumn is the column a merged Table starts with.
var clusterColumn = metav1.TableColumnDefinition{
	Name:        "Cluster",
	Type:        "string",
	Description: "The member cluster the object is in.",
}

// Write sends the page as JSON.
func (p *Page) Write(w http.ResponseWriter) {
	var buf bytes.Buffer
	size := 256
	for _, it := range p.Items {
		size += len(it.Object) + 64
	}
	buf.Grow(size)
	p.encode(&buf, true)
	buf.WriteByte('\n')
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// encode writes the page's JSON; a Table's column definitions only when columns
// is true (a watch sends them once).
func (p *Page) encode(buf *bytes.Buffer, columns bool) {
	if p.Table {
		buf.WriteString(`{"kind":"Table","apiVersion":"meta.k8s.io/v1",`)
	} else {
		buf.WriteString(`{"kind":`)
		buf.WriteString(strconv.Quote(p.Kind))
		buf.WriteString(`,"apiVersion":`)
		buf.WriteString(strconv.Quote(p.APIVersion))
		buf.WriteByte(',')
	}
	meta, _ := json.Marshal(metav1.ListMeta{ResourceVersion: p.Version.Encode(), Continue: p.Continue})
	buf.WriteString(`"metadata":`)
	buf.Write(meta)
	if p.Table {
		if columns {
			defs, _ := json.Marshal(append([]metav1.TableColumnDefinition{clusterColumn}, p.Columns...))
			buf.WriteString(`,"columnDefinitions":`)
			buf.Write(defs)
		} else {
			buf.WriteString(`,"columnDefinitions":null`)
		}
		buf.WriteString(`,"rows":[`)
		for i, it := range p.Items {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeRow(buf, it)
		}
	} else {
		buf.WriteString(`,"items":[`)
		for i, it := range p.Items {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.Write(it.Object)
		}
	}
	buf.WriteString("]}")
}

// writeRow writes a Table row whose first cell is the item's cluster.
func writeRow(buf *bytes.Buffer, it Item) {
	buf.WriteString(`{"cells":[`)
	buf.WriteString(strconv.Quote(it.Key.Cluster))
	for _, c := range it.Cells {
		buf.WriteByte(',')
		buf.Write(c)
	}
	buf.WriteByte(']')
	if len(it.Conditions) > 0 && string(it.Conditions) != "null" {
		buf.WriteString(`,"conditions":`)
		buf.Write(it.Conditions)
	}
	if len(it.Object) > 0 {
		buf.WriteString(`,"object":`)
		buf.Write(it.Object)
	}
	buf.WriteByte('}')
}

// memberList is a member's list or Table, decoded only as far as merging needs.
type memberList struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   metav1.ListMeta   `json:"metadata"`
	Items      []json.RawMessage `json:"items"`
	// Tables only.
	ColumnDefinitions []metav1.TableColumnDefinition `json:"columnDefinitions"`
	Rows              []memberRow                    `json:"rows"`
}

type memberRow struct {
	Cells      []json.RawMessage `json:"cells"`
	Conditions json.RawMessage   `json:"conditions,omitempty"`
	Object     json.RawMessage   `json:"object,omitempty"`
}

func (l *memberList) isTable() bool { return l.Kind == "Table" }

// items returns the list's objects (or rows) annotated with cluster; objects get
// resourceVersion when it is not empty.
func (l *memberList) items(cluster, resourceVersion string) ([]Item, error) {
	quoted := strconv.Quote(cluster)
	if !l.isTable() {
		out := make([]Item, 0, len(l.Items))
		// One buffer for every annotated object of the list, sized so that
		// it does not grow: a reallocation would leave the earlier objects
		// in the old array, correct but twice the memory.
		size := 0
		for _, raw := range l.Items {
			size += len(raw) + len(quotedAnnotationKey) + len(quoted) + len(resourceVersion) + 40
		}
		arena := make([]byte, 0, size)
		for _, raw := range l.Items {
			start := len(arena)
			var key ObjectKey
			var err error
			if arena, key, err = annotateInto(arena, raw, cluster, quoted, resourceVersion); err != nil {
				return nil, err
			}
			out = append(out, Item{Key: key, Object: arena[start:len(arena):len(arena)]})
		}
		return out, nil
	}
	out := make([]Item, 0, len(l.Rows))
	for _, row := range l.Rows {
		it := Item{Key: ObjectKey{Cluster: cluster}, Cells: row.Cells, Conditions: row.Conditions}
		if len(row.Object) > 0 && string(row.Object) != "null" {
			obj, key, err := Annotate(row.Object, cluster, resourceVersion)
			if err != nil {
				return nil, err
			}
			it.Object, it.Key = obj, key
		} else if len(row.Cells) > 0 {
			_ = json.Unmarshal(row.Cells[0], &it.Key.Name)
		}
		out = append(out, it)
	}
	return out, nil
}
