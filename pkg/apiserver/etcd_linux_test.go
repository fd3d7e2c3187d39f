package apiserver_test

import (
	"os/exec"
	"syscall"
)

// dieWithTest has the kernel kill the child when the test binary exits, even when it
// exits without running cleanups (a panic, a timeout, klog.Fatal).
func dieWithTest(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
