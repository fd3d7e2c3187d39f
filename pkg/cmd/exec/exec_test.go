package exec

import (
	"context"
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"

	"github.com/fleetplane/fleetplane/internal/controlplanetest"
)

// recordingExecutor records where the remote command would run.
type recordingExecutor struct {
	url *url.URL
}

func (e *recordingExecutor) Execute(u *url.URL, cfg *rest.Config, stdin io.Reader, stdout, stderr io.Writer, tty bool, q remotecommand.TerminalSizeQueue) error {
	return e.ExecuteWithContext(context.Background(), u, cfg, stdin, stdout, stderr, tty, q)
}

func (e *recordingExecutor) ExecuteWithContext(_ context.Context, u *url.URL, _ *rest.Config, _ io.Reader, stdout, _ io.Writer, _ bool, _ remotecommand.TerminalSizeQueue) error {
	e.url = u
	_, err := io.WriteString(stdout, "ran\n")
	return err
}

func TestExec(t *testing.T) {
	pod := controlplanetest.Pod
	members := []controlplanetest.Member{
		{Name: "member1", Objects: []runtime.Object{pod("default", "web-0", "node-a"), pod("team-a", "api", "node-a")}},
		{Name: "member2", Objects: []runtime.Object{pod("default", "web-0", "node-b")}},
	}
	tests := []struct {
		name      string
		namespace string
		args      []string
		wantURL   string
		wantErr   string
	}{
		{name: "found through the global proxy", namespace: "team-a", args: []string{"api", "--", "ls", "-l"},
			wantURL: "/apis/cluster.karmada.io/v1alpha1/clusters/member1/proxy/api/v1/namespaces/team-a/pods/api/exec?command=ls&command=-l&container=app&stderr=true&stdout=true"},
		{name: "cluster given", args: []string{"-C", "member2", "web-0", "-c", "app", "--", "date"},
			wantURL: "/apis/cluster.karmada.io/v1alpha1/clusters/member2/proxy/api/v1/namespaces/default/pods/web-0/exec?command=date&container=app&stderr=true&stdout=true"},
		{name: "in two clusters", args: []string{"web-0", "--", "date"}, wantErr: `pod "web-0" exists in clusters member1, member2; choose one with -C`},
		{name: "in no cluster", args: []string{"nope", "--", "date"}, wantErr: `pod "nope" not found in any cluster`},
		{name: "unknown cluster", args: []string{"-C", "nope", "web-0", "--", "date"}, wantErr: `cluster "nope" not found`},
		{name: "no command", args: []string{"-C", "member1", "web-0"}, wantErr: "you must specify at least one command for the container"},
		{name: "unknown container", args: []string{"-C", "member1", "web-0", "-c", "db", "--", "date"},
			wantErr: "container db is not valid for pod web-0 out of: app"},
		{name: "no pod", args: []string{"--", "date"}, wantErr: "POD or TYPE/NAME is required"},
		{name: "file without cluster", args: []string{"-f", "pod.yaml", "--", "date"}, wantErr: "-f needs the cluster of the pod: choose it with -C"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := controlplanetest.New(t, members...)
			namespace := tt.namespace
			if namespace == "" {
				namespace = "default"
			}
			streams, _, out, _ := genericiooptions.NewTestIOStreams()
			executor := &recordingExecutor{}
			o := NewExecOptions(streams)
			o.Executor = executor
			cmd := newCmd(srv.Factory(t, namespace), o)
			cmd.SetArgs(append([]string{}, tt.args...))
			cmd.SilenceErrors, cmd.SilenceUsage = true, true
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("Execute() error = %v, want prefix %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Execute() error = %v", err)
			}
			if executor.url == nil {
				t.Fatal("the command did not run")
			}
			if diff := cmp.Diff(srv.URL+tt.wantURL, executor.url.String()); diff != "" {
				t.Errorf("exec URL (-want +got):\n%s", diff)
			}
			if out.String() != "ran\n" {
				t.Errorf("output %q", out)
			}
		})
	}
}

func TestExecKeepsKubectlFlags(t *testing.T) {
	srv := controlplanetest.New(t)
	cmd := NewCmdExec(srv.Factory(t, "default"), genericiooptions.NewTestIOStreamsDiscard())
	for _, name := range []string{"container", "stdin", "tty", "quiet", "filename", "pod-running-timeout", "cluster"} {
		if cmd.Flags().Lookup(name) == nil {
			t.Errorf("missing flag --%s", name)
		}
	}
	if cmd.Flags().ShorthandLookup("C") == nil || cmd.Flags().ShorthandLookup("c") == nil {
		t.Errorf("want both -C (cluster) and -c (container)")
	}
	if cmd.Run != nil || cmd.RunE == nil {
		t.Errorf("the command must return its errors, not exit")
	}
}
