package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/printers"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"

	"github.com/fleetplane/fleetplane/internal/golden"
	searchv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/search/v1alpha1"
	"github.com/fleetplane/fleetplane/test/e2e/framework"
)

// gvGolden is the directory of this file's golden files below testdata/. Rewrite
// them with: go test ./test/e2e -run TestPluginGlobalView -update
const gvGolden = "plugin-globalview/"

// gvResult is what one run of kubectl-karmada printed, and its exit code.
type gvResult struct {
	args           []string
	stdout, stderr string
	code           int
}

func (r gvResult) String() string {
	return fmt.Sprintf("kubectl-karmada %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

// gvPlugin runs the kubectl-karmada binary of the sandbox (as sb.Plugin does)
// with a kubeconfig, and returns its outputs and exit code, whatever they are.
func gvPlugin(ctx context.Context, t *testing.T, sb *framework.Sandbox, kubeconfig string, args ...string) gvResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, sb.Binary("kubectl-karmada"), append([]string{"--kubeconfig", kubeconfig}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := gvResult{args: args, stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("running kubectl-karmada %s: %v", strings.Join(args, " "), err)
	}
	return r
}

// gvFixture is one namespace of the same name on every member, holding the
// Deployment web on member1 and member2, the ConfigMap app-config on member1
// and member2 and db-config on member3, all created directly on the members.
type gvFixture struct {
	sb      *framework.Sandbox
	ns      string
	admin   string
	members map[string]kubernetes.Interface
}

// ok runs the plugin as the sandbox admin and fails the test unless it exits 0
// without printing anything on stderr.
func (f *gvFixture) ok(ctx context.Context, t *testing.T, args ...string) string {
	t.Helper()
	r := gvPlugin(ctx, t, f.sb, f.admin, args...)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("want exit 0 and no stderr; %s", r)
	}
	return r.stdout
}

// fails runs the plugin as the user of kubeconfig and checks that it exits 1,
// prints nothing on stdout, and exactly one line on stderr that matches want.
func (f *gvFixture) fails(ctx context.Context, t *testing.T, kubeconfig string, want *regexp.Regexp, args ...string) string {
	t.Helper()
	r := gvPlugin(ctx, t, f.sb, kubeconfig, args...)
	if r.code != 1 {
		t.Errorf("want exit 1; %s", r)
	}
	if r.stdout != "" {
		t.Errorf("printed on stdout despite the error; %s", r)
	}
	if strings.Count(r.stderr, "\n") != 1 || !strings.HasSuffix(r.stderr, "\n") {
		t.Errorf("want exactly one line on stderr; %s", r)
	}
	if !want.MatchString(strings.TrimSuffix(r.stderr, "\n")) {
		t.Errorf("stderr does not match %s; %s", want, r)
	}
	return r.stderr
}

func newGVFixture(ctx context.Context, t *testing.T, sb *framework.Sandbox) *gvFixture {
	t.Helper()
	f := &gvFixture{sb: sb, ns: framework.RandomName("e2e-gvplugin"), admin: sb.Kubeconfig(framework.ControlPlane),
		members: map[string]kubernetes.Interface{}}
	var clients []kubernetes.Interface
	for _, m := range framework.Members {
		f.members[m] = sb.Client(t, m)
		clients = append(clients, f.members[m])
	}
	framework.CreateNamespaceOn(ctx, t, f.ns, clients...)
	m1, m2, m3 := framework.Member1, framework.Member2, framework.Member3
	for _, m := range []string{m1, m2} {
		if _, err := f.members[m].AppsV1().Deployments(f.ns).Create(ctx, lightDeployment(f.ns, "web", 1), metav1.CreateOptions{}); err != nil {
			t.Fatalf("creating Deployment web on %s: %v", m, err)
		}
	}
	f.configMap(ctx, t, m1, "app-config", map[string]string{"tier": "web"}, map[string]string{"color": "blue", "size": "s"})
	f.configMap(ctx, t, m2, "app-config", map[string]string{"tier": "web"}, map[string]string{"color": "green", "size": "m"})
	f.configMap(ctx, t, m3, "db-config", map[string]string{"tier": "db"}, map[string]string{"engine": "postgres"})
	for _, c := range clients {
		framework.WaitRootCA(ctx, t, c, f.ns)
	}
	for _, m := range []string{m1, m2} {
		f.waitSettled(ctx, t, m)
	}
	return f
}

func (f *gvFixture) configMap(ctx context.Context, t *testing.T, cluster, name string, labels, data map[string]string) {
	t.Helper()
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: f.ns, Labels: labels}, Data: data}
	if _, err := f.members[cluster].CoreV1().ConfigMaps(f.ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating ConfigMap %s on %s: %v", name, cluster, err)
	}
}

// pod creates a bare Pod with web's pod template on a member.
func (f *gvFixture) pod(ctx context.Context, t *testing.T, cluster, name string) {
	t.Helper()
	tmpl := lightDeployment(f.ns, name, 1).Spec.Template
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: f.ns, Labels: tmpl.Labels}, Spec: tmpl.Spec}
	if _, err := f.members[cluster].CoreV1().Pods(f.ns).Create(ctx, p, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating Pod %s on %s: %v", name, cluster, err)
	}
}

// waitSettled waits until web is complete on a member, as describe shows it:
// its pod Running and ready, its conditions final, the scaling event recorded.
func (f *gvFixture) waitSettled(ctx context.Context, t *testing.T, cluster string) {
	t.Helper()
	c := f.members[cluster]
	framework.WaitFor(ctx, t, cliWait, "deployment web settled on "+cluster, func(ctx context.Context) (bool, string, error) {
		d, err := c.AppsV1().Deployments(f.ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		s := d.Status
		if d.Generation != s.ObservedGeneration || s.Replicas != 1 || s.UpdatedReplicas != 1 || s.ReadyReplicas != 1 || s.AvailableReplicas != 1 {
			return false, fmt.Sprintf("%+v", s), nil
		}
		for _, want := range []struct{ typ, reason string }{{"Available", "MinimumReplicasAvailable"}, {"Progressing", "NewReplicaSetAvailable"}} {
			if !slices.ContainsFunc(s.Conditions, func(c appsv1.DeploymentCondition) bool {
				return string(c.Type) == want.typ && c.Status == corev1.ConditionTrue && c.Reason == want.reason
			}) {
				return false, fmt.Sprintf("conditions %+v", s.Conditions), nil
			}
		}
		pods, err := c.CoreV1().Pods(f.ns).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		if err != nil {
			return false, "", err
		}
		if len(pods.Items) != 1 || pods.Items[0].Status.Phase != corev1.PodRunning {
			return false, "pods: " + podPhases(pods.Items), nil
		}
		events, err := c.CoreV1().Events(f.ns).List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.kind=Deployment,involvedObject.name=web"})
		if err != nil {
			return false, "", err
		}
		return len(events.Items) > 0, fmt.Sprintf("%d events of the deployment", len(events.Items)), nil
	})
}

// webPod is the name of web's pod on a member.
func (f *gvFixture) webPod(ctx context.Context, t *testing.T, cluster string) string {
	t.Helper()
	pods, err := f.members[cluster].CoreV1().Pods(f.ns).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
	if err != nil {
		t.Fatal(err)
	}
	if len(pods.Items) != 1 {
		t.Fatalf("want one pod of web on %s, got %s", cluster, podPhases(pods.Items))
	}
	return pods.Items[0].Name
}

// Volatile parts of the plugin's output.
var (
	// A pod of a ReplicaSet, and the ReplicaSet, of the Deployment web; the
	// suffixes use the alphabet of the apiserver's generated names.
	gvPodName        = regexp.MustCompile(`\bweb-[bcdfghjklmnpqrstvwxz2456789]{1,10}-[bcdfghjklmnpqrstvwxz2456789]{5}\b`)
	gvReplicaSetName = regexp.MustCompile(`\bweb-[bcdfghjklmnpqrstvwxz2456789]{1,10}\b`)
	gvNodeName       = regexp.MustCompile(`^(member\d+)-node\d+$`)
	gvCellSeparator  = regexp.MustCompile(`\s{2,}`)
	gvYAMLVolatile   = regexp.MustCompile(`(?m)^(\s*(?:creationTimestamp|resourceVersion|uid): ).*$`)
	gvDescribeTime   = regexp.MustCompile(`(?m)^((?:CreationTimestamp|Start Time|Started|Last Update Time):\s+).*$`)
)

// normalizeNames replaces the namespace and the generated parts of web's names.
func (f *gvFixture) normalizeNames(s string) string {
	s = strings.ReplaceAll(s, f.ns, "NAMESPACE")
	s = gvPodName.ReplaceAllString(s, "web-HASH-XXXXX")
	return gvReplicaSetName.ReplaceAllString(s, "web-HASH")
}

// gvCells splits a line of a kubectl table into its cells: the columns are
// padded with at least three spaces, a cell holds at most single spaces.
func gvCells(line string) []string {
	return gvCellSeparator.Split(strings.TrimSpace(line), -1)
}

// gvRows splits a table into the cells of each line, the header included.
func gvRows(out string) [][]string {
	var rows [][]string
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if line != "" {
			rows = append(rows, gvCells(line))
		}
	}
	return rows
}

// normalizeTable replaces the volatile cells of a kubectl table (AGE, IP, the
// node's number, generated names and the namespace) and aligns it again as
// kubectl does, so that the widths of volatile cells do not matter.
func (f *gvFixture) normalizeTable(t *testing.T, out string) []byte {
	t.Helper()
	rows := gvRows(out)
	if len(rows) == 0 {
		t.Fatalf("no table in %q", out)
	}
	header := rows[0]
	var buf bytes.Buffer
	w := printers.GetNewTabWriter(&buf)
	for i, row := range rows {
		if len(row) != len(header) {
			t.Fatalf("line %d has %d cells, the header %d:\n%s", i+1, len(row), len(header), out)
		}
		for j := range row {
			switch {
			case i == 0:
			case header[j] == "AGE":
				row[j] = "<age>"
			case header[j] == "IP":
				row[j] = "<ip>"
			case header[j] == "NODE":
				row[j] = gvNodeName.ReplaceAllString(row[j], "$1-nodeN")
			}
			row[j] = f.normalizeNames(row[j])
		}
		fmt.Fprintln(w, strings.Join(row, "\t"))
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// normalizeDescribe replaces times, generated names and the namespace in the
// output of describe, and the ages of the events, whose table is aligned again.
func (f *gvFixture) normalizeDescribe(t *testing.T, out string) []byte {
	t.Helper()
	out = gvDescribeTime.ReplaceAllString(f.normalizeNames(out), "${1}<time>")
	var buf bytes.Buffer
	var events *gvEvents
	for _, line := range strings.SplitAfter(out, "\n") {
		if events != nil && strings.HasPrefix(line, "  ") {
			events.add(t, line)
			continue
		}
		if events != nil {
			events.flush(t, &buf)
			events = nil
		}
		buf.WriteString(line)
		if line == "Events:\n" {
			events = &gvEvents{}
		}
	}
	if events != nil {
		events.flush(t, &buf)
	}
	return buf.Bytes()
}

// gvEvents collects the lines of describe's events table and writes them
// aligned again, with the Age column normalized.
type gvEvents struct{ rows [][]string }

func (b *gvEvents) add(t *testing.T, line string) {
	t.Helper()
	row := gvCells(line)
	if len(b.rows) > 0 && len(row) != len(b.rows[0]) {
		t.Fatalf("an event line has %d cells, the header %d: %q", len(row), len(b.rows[0]), line)
	}
	if len(b.rows) > 1 {
		if i := slices.Index(b.rows[0], "Age"); i >= 0 {
			row[i] = "<age>"
		}
	}
	b.rows = append(b.rows, row)
}

func (b *gvEvents) flush(t *testing.T, buf *bytes.Buffer) {
	t.Helper()
	// kubectl describe's own writer: tabs become two spaces at least.
	w := tabwriter.NewWriter(buf, 0, 8, 2, ' ', 0)
	for _, row := range b.rows {
		fmt.Fprintln(w, "  "+strings.Join(row, "\t"))
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
}

// gvFirstCells returns the first n cells of every row but the header.
func gvFirstCells(out string, n int) [][]string {
	rows := gvRows(out)
	var got [][]string
	for _, row := range rows[min(1, len(rows)):] {
		got = append(got, row[:min(n, len(row))])
	}
	return got
}

func gvCheckRows(t *testing.T, what string, got, want [][]string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s:\n got %v\nwant %v", what, got, want)
	}
}

// TestPluginGlobalView runs kubectl-karmada's multi-cluster commands (get,
// describe, logs, exec, api-resources and the completion of clusters) as a
// subprocess against objects created directly on the members.
func TestPluginGlobalView(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	start := time.Now()
	f := newGVFixture(ctx, t, sb)
	t.Logf("fixture %s ready after %s", f.ns, time.Since(start).Round(time.Millisecond))
	m1, m2, m3 := framework.Member1, framework.Member2, framework.Member3
	ns := f.ns

	t.Run("get table", func(t *testing.T) {
		out := f.ok(ctx, t, "get", "configmaps", "-n", ns)
		golden.Assert(t, gvGolden+"get-configmaps.golden", f.normalizeTable(t, out))
		out = f.ok(ctx, t, "get", "pods", "-n", ns)
		golden.Assert(t, gvGolden+"get-pods.golden", f.normalizeTable(t, out))
		out = f.ok(ctx, t, "get", "deployments", "-n", ns)
		golden.Assert(t, gvGolden+"get-deployments.golden", f.normalizeTable(t, out))
	})

	t.Run("get -o wide", func(t *testing.T) {
		out := f.ok(ctx, t, "get", "configmaps", "-n", ns, "-o", "wide")
		golden.Assert(t, gvGolden+"get-configmaps-wide.golden", f.normalizeTable(t, out))
		out = f.ok(ctx, t, "get", "pods", "-n", ns, "-o", "wide")
		golden.Assert(t, gvGolden+"get-pods-wide.golden", f.normalizeTable(t, out))
	})

	t.Run("get -o name", func(t *testing.T) {
		out := f.ok(ctx, t, "get", "configmaps", "-n", ns, "-o", "name")
		want := "configmap/app-config\nconfigmap/kube-root-ca.crt\n" + // member1
			"configmap/app-config\nconfigmap/kube-root-ca.crt\n" + // member2
			"configmap/db-config\nconfigmap/kube-root-ca.crt\n" // member3
		if out != want {
			t.Errorf("get -o name printed\n%s\nwant\n%s", out, want)
		}
	})

	t.Run("get -o yaml", func(t *testing.T) {
		out := f.ok(ctx, t, "get", "configmaps", "-n", ns, "-o", "yaml")
		var list unstructured.Unstructured
		if err := yaml.Unmarshal([]byte(out), &list.Object); err != nil {
			t.Fatalf("get -o yaml printed no YAML: %v\n%s", err, out)
		}
		items, _, _ := unstructured.NestedSlice(list.Object, "items")
		var got []string
		for _, it := range items {
			obj := unstructured.Unstructured{Object: it.(map[string]any)}
			got = append(got, obj.GetAnnotations()[framework.ClusterAnnotation]+"/"+obj.GetNamespace()+"/"+obj.GetName())
		}
		var want []string
		for _, k := range []string{m1 + "/app-config", m1 + "/kube-root-ca.crt", m2 + "/app-config", m2 + "/kube-root-ca.crt", m3 + "/db-config", m3 + "/kube-root-ca.crt"} {
			cluster, name, _ := strings.Cut(k, "/")
			want = append(want, cluster+"/"+ns+"/"+name)
		}
		if !slices.Equal(got, want) {
			t.Errorf("get -o yaml: items as cluster annotation/namespace/name:\n got %v\nwant %v", got, want)
		}
		// The labelled ConfigMaps, whole.
		out = f.ok(ctx, t, "get", "configmaps", "-n", ns, "-l", "tier", "-o", "yaml")
		golden.Assert(t, gvGolden+"get-configmaps-tier.yaml", []byte(gvYAMLVolatile.ReplaceAllString(f.normalizeNames(out), "${1}<volatile>")))
	})

	t.Run("get -o jsonpath", func(t *testing.T) {
		out := f.ok(ctx, t, "get", "configmaps", "-n", ns, "-l", "tier",
			"-o", `jsonpath={range .items[*]}{.metadata.annotations.resource\.karmada\.io/cached-from-cluster} {.metadata.name} {.data}{"\n"}{end}`)
		want := m1 + ` app-config {"color":"blue","size":"s"}` + "\n" +
			m2 + ` app-config {"color":"green","size":"m"}` + "\n" +
			m3 + ` db-config {"engine":"postgres"}` + "\n"
		if out != want {
			t.Errorf("get -o jsonpath printed\n%s\nwant\n%s", out, want)
		}
	})

	t.Run("get -o custom-columns", func(t *testing.T) {
		out := f.ok(ctx, t, "get", "configmaps", "-n", ns,
			"-o", `custom-columns=FROM:.metadata.annotations.resource\.karmada\.io/cached-from-cluster,NAME:.metadata.name,TIER:.metadata.labels.tier`)
		gvCheckRows(t, "get -o custom-columns", gvRows(out), [][]string{
			{"FROM", "NAME", "TIER"},
			{m1, "app-config", "web"}, {m1, "kube-root-ca.crt", "<none>"},
			{m2, "app-config", "web"}, {m2, "kube-root-ca.crt", "<none>"},
			{m3, "db-config", "db"}, {m3, "kube-root-ca.crt", "<none>"},
		})
	})

	t.Run("get -l", func(t *testing.T) {
		out := f.ok(ctx, t, "get", "configmaps", "-n", ns, "-l", "tier=web")
		gvCheckRows(t, "get -l tier=web", gvFirstCells(out, 3), [][]string{{m1, "app-config", "2"}, {m2, "app-config", "2"}})
		out = f.ok(ctx, t, "get", "configmaps", "-n", ns, "-l", "tier notin (web)")
		gvCheckRows(t, "get -l 'tier notin (web)'", gvFirstCells(out, 3), [][]string{
			{m1, "kube-root-ca.crt", "1"}, {m2, "kube-root-ca.crt", "1"}, {m3, "db-config", "1"}, {m3, "kube-root-ca.crt", "1"}})
	})

	t.Run("get -C", func(t *testing.T) {
		out := f.ok(ctx, t, "get", "configmaps", "-n", ns, "-C", m1+","+m3)
		gvCheckRows(t, "get -C member1,member3", gvFirstCells(out, 2), [][]string{
			{m1, "app-config"}, {m1, "kube-root-ca.crt"}, {m3, "db-config"}, {m3, "kube-root-ca.crt"}})
		if header := gvRows(out)[0]; header[0] != "CLUSTER" {
			t.Errorf("the first column is %q, want CLUSTER:\n%s", header[0], out)
		}
	})

	t.Run("get -A", func(t *testing.T) {
		out := f.ok(ctx, t, "get", "configmaps", "-A")
		rows := gvRows(out)
		if want := []string{"NAMESPACE", "CLUSTER", "NAME", "DATA", "AGE"}; !slices.Equal(rows[0], want) {
			t.Errorf("header %v, want %v", rows[0], want)
		}
		var mine [][]string
		for _, row := range rows[1:] {
			if row[0] == ns {
				mine = append(mine, row[1:3])
			}
		}
		gvCheckRows(t, "get -A, the rows of "+ns, mine, [][]string{
			{m1, "app-config"}, {m1, "kube-root-ca.crt"}, {m2, "app-config"}, {m2, "kube-root-ca.crt"}, {m3, "db-config"}, {m3, "kube-root-ca.crt"}})
		// Sorted by cluster first, across namespaces.
		if !slices.IsSortedFunc(rows[1:], func(a, b []string) int { return strings.Compare(a[1], b[1]) }) {
			t.Errorf("get -A is not sorted by cluster")
		}
	})

	t.Run("get NAME in two clusters", func(t *testing.T) {
		out := f.ok(ctx, t, "get", "configmap", "app-config", "-n", ns)
		gvCheckRows(t, "get configmap app-config", gvFirstCells(out, 3), [][]string{{m1, "app-config", "2"}, {m2, "app-config", "2"}})
		out = f.ok(ctx, t, "get", "configmap/db-config", "-n", ns, "-o", "name")
		if out != "configmap/db-config\n" {
			t.Errorf("get configmap/db-config -o name = %q", out)
		}
		f.fails(ctx, t, f.admin, regexp.MustCompile(`^error: configmaps "db-config" not found in cluster member1$`),
			"get", "configmap", "db-config", "-n", ns, "-C", m1)
	})

	t.Run("describe", func(t *testing.T) {
		out := f.ok(ctx, t, "describe", "deployment", "web", "-n", ns)
		var headers []string
		for _, line := range strings.Split(out, "\n") {
			if c, ok := strings.CutPrefix(line, "Cluster: "); ok {
				headers = append(headers, c)
			}
		}
		if !slices.Equal(headers, []string{m1, m2}) {
			t.Errorf("describe printed the clusters %v, want [member1 member2]", headers)
		}
		golden.Assert(t, gvGolden+"describe-deployment.golden", f.normalizeDescribe(t, out))
	})

	t.Run("logs and exec", func(t *testing.T) {
		pod := f.webPod(ctx, t, m2)
		out := f.ok(ctx, t, "logs", pod, "-n", ns)
		if !strings.Contains(out, "sandbox: listening on :8080\n") {
			t.Errorf("logs %s printed %q", pod, out)
		}
		if out := f.ok(ctx, t, "exec", pod, "-n", ns, "--", "echo", "hi"); out != "hi\n" {
			t.Errorf("exec %s -- echo hi printed %q", pod, out)
		}

		// The same pod name in member1 and member2.
		f.pod(ctx, t, m1, "twin")
		f.pod(ctx, t, m2, "twin")
		waitRunningPod(ctx, t, f.members[m1], ns, "app=twin")
		waitRunningPod(ctx, t, f.members[m2], ns, "app=twin")
		ambiguous := regexp.MustCompile(`^error: pod "twin" exists in clusters member1, member2; choose one with -C$`)
		f.fails(ctx, t, f.admin, ambiguous, "logs", "twin", "-n", ns)
		f.fails(ctx, t, f.admin, ambiguous, "exec", "twin", "-n", ns, "--", "echo", "hi")
		if out := f.ok(ctx, t, "logs", "twin", "-n", ns, "-C", m1); !strings.Contains(out, "sandbox: listening on :8080\n") {
			t.Errorf("logs twin -C member1 printed %q", out)
		}
		if out := f.ok(ctx, t, "exec", "twin", "-n", ns, "-C", m2, "--", "echo", "hi"); out != "hi\n" {
			t.Errorf("exec twin -C member2 -- echo hi printed %q", out)
		}
		f.fails(ctx, t, f.admin, regexp.MustCompile(`^error: pod "nowhere" not found in any cluster$`), "logs", "nowhere", "-n", ns)
	})

	t.Run("api-resources", func(t *testing.T) {
		out := f.ok(ctx, t, "api-resources")
		rows := gvRows(out)
		if rows[0][len(rows[0])-1] != "CLUSTERS" {
			t.Errorf("the last column is %q, want CLUSTERS", rows[0][len(rows[0])-1])
		}
		found := false
		for _, row := range rows[1:] {
			if row[0] != "configmaps" {
				continue
			}
			found = true
			clusters := strings.Split(row[len(row)-1], ",")
			for _, m := range framework.Members {
				if !slices.Contains(clusters, m) {
					t.Errorf("configmaps are served by %v, want %s among them", clusters, m)
				}
			}
		}
		if !found {
			t.Errorf("api-resources lists no configmaps:\n%s", out)
		}
		out = f.ok(ctx, t, "api-resources", "-o", "name")
		if !slices.Contains(strings.Split(out, "\n"), "configmaps") {
			t.Errorf("api-resources -o name lists no configmaps:\n%s", out)
		}
	})

	t.Run("completion of -C", func(t *testing.T) {
		// cobra's hidden command prints the candidates, then the directive, on
		// stdout; a note on the directive goes to stderr.
		r := gvPlugin(ctx, t, sb, f.admin, "__complete", "get", "pods", "-C", "")
		if r.code != 0 {
			t.Fatalf("want exit 0; %s", r)
		}
		out := r.stdout
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		for _, m := range framework.Members {
			if !slices.Contains(lines, m) {
				t.Errorf("the completion of -C does not offer %s:\n%s", m, out)
			}
		}
		if last := lines[len(lines)-1]; !strings.HasPrefix(last, ":") {
			t.Errorf("the completion ends with %q, want a directive", last)
		}
	})

	t.Run("errors", func(t *testing.T) {
		f.fails(ctx, t, f.admin, regexp.MustCompile(`^error: cluster "nope" not found$`), "get", "configmaps", "-n", ns, "-C", "nope")
		f.fails(ctx, t, f.admin, regexp.MustCompile(`^error: .*"nosuchthings"`), "get", "nosuchthings", "-n", ns)
		user := framework.RandomName("e2e-gvplugin-nobody")
		nobody := sb.UserKubeconfig(t, user)
		line := f.fails(ctx, t, nobody, regexp.MustCompile(`^error: .* is forbidden: User "`+user+`" cannot `), "get", "configmaps", "-n", ns)
		t.Logf("a user without rights: %s", line)
	})

	// The subtests below change the namespace.

	t.Run("get -w", func(t *testing.T) {
		wctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		cmd := exec.CommandContext(wctx, sb.Binary("kubectl-karmada"), "--kubeconfig", f.admin, "get", "configmaps", "-n", ns, "-w")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		killed := false
		defer func() {
			cancel()
			err := cmd.Wait()
			if !killed {
				t.Logf("get -w ended: %v\n%s", err, stderr.String())
			}
		}()
		lines := make(chan string)
		go func() {
			defer close(lines)
			s := bufio.NewScanner(stdout)
			for s.Scan() {
				select {
				case lines <- s.Text():
				case <-wctx.Done():
					return
				}
			}
		}()
		next := func(timeout time.Duration) ([]string, bool) {
			select {
			case line, ok := <-lines:
				if !ok {
					t.Fatalf("get -w ended early: %s", stderr.String())
				}
				return gvCells(line), true
			case <-time.After(timeout):
				return nil, false
			}
		}
		// The listing ends with member3's kube-root-ca.crt; the watch resumes
		// from the list's version, so what is created now is not missed.
		for {
			row, ok := next(30 * time.Second)
			if !ok {
				t.Fatal("get -w printed no listing within 30s")
			}
			if len(row) > 1 && row[0] == m3 && row[1] == "kube-root-ca.crt" {
				break
			}
		}
		created := time.Now()
		f.configMap(ctx, t, m2, "watched", nil, map[string]string{"k": "v"})
		const within = 5 * time.Second
		for {
			row, ok := next(time.Until(created.Add(within)))
			if !ok {
				t.Fatalf("get -w printed no row for member2's watched within %s", within)
			}
			if len(row) > 1 && row[1] == "watched" {
				if row[0] != m2 {
					t.Errorf("get -w printed watched in the CLUSTER column %q: %v", row[0], row)
				}
				t.Logf("get -w printed %v %s after the create", row, time.Since(created).Round(time.Millisecond))
				break
			}
		}
		killed = true
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("get --search", func(t *testing.T) {
		sb.CreateRegistry(ctx, t, &searchv1alpha1.ResourceRegistry{
			ObjectMeta: metav1.ObjectMeta{Name: framework.RandomName("e2e-gvplugin")},
			Spec: searchv1alpha1.ResourceRegistrySpec{ResourceSelectors: []searchv1alpha1.ResourceSelector{
				{APIVersion: "v1", Kind: "ConfigMap", Namespace: ns}}},
		})
		for _, c := range []struct {
			query string
			want  [][]string
		}{
			// A case-insensitive subsequence of the name.
			{"apcfg", [][]string{{m1, "app-config"}, {m2, "app-config"}}},
			{"CFG", [][]string{{m1, "app-config"}, {m2, "app-config"}, {m3, "db-config"}}},
			{"wtchd", [][]string{{m2, "watched"}}},
		} {
			var out string
			framework.WaitFor(ctx, t, searchFreshness, "get --search "+c.query, func(ctx context.Context) (bool, string, error) {
				out = f.ok(ctx, t, "get", "configmaps", "-n", ns, "--search", c.query)
				return fmt.Sprint(gvFirstCells(out, 2)) == fmt.Sprint(c.want), out, nil
			})
			if header := gvRows(out)[0]; header[0] != "CLUSTER" || header[1] != "NAME" {
				t.Errorf("get --search %s: header %v, want CLUSTER NAME first", c.query, header)
			}
		}
	})
	t.Logf("TestPluginGlobalView took %s", time.Since(start).Round(time.Millisecond))
}
