//go:build !linux

package framework

import "syscall"

func childAttrs() *syscall.SysProcAttr { return nil }
