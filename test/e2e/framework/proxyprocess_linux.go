package framework

import "syscall"

// childAttrs makes a child process end with the test binary, even when the test
// binary is killed before its cleanups run.
func childAttrs() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
