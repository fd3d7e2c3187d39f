// Package version reports the build's version, stamped at link time by the Makefile
// (-X .../pkg/version.gitVersion=...).
package version

import (
	"fmt"
	"runtime"
)

var gitVersion = "v0.0.0-dev"

// Info is what `version` commands print.
type Info struct {
	GitVersion string `json:"gitVersion"`
	GoVersion  string `json:"goVersion"`
	Platform   string `json:"platform"`
}

// Get returns the version of this build.
func Get() Info {
	return Info{
		GitVersion: gitVersion,
		GoVersion:  runtime.Version(),
		Platform:   fmt.Sprintf("%s/%s", runtime.GOOS, runtime.GOARCH),
	}
}
