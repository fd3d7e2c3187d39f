// Command proxy is the aggregated API server and controller manager of the fleet.
package main

import (
	"os"

	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/component-base/cli"

	"github.com/fleetplane/fleetplane/pkg/cmd/proxyserver"
)

func main() {
	ctx := genericapiserver.SetupSignalContext()
	os.Exit(cli.Run(proxyserver.NewCommand(ctx)))
}
