// Command kubectl-karmada is the kubectl plugin that joins member clusters to the
// control plane and manages them; kubectl runs it as `kubectl karmada`.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/fleetplane/fleetplane/pkg/cmd/karmada"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	err := karmada.NewCmdKarmada(streams).ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(streams.ErrOut, "error:", err)
		os.Exit(1)
	}
}
