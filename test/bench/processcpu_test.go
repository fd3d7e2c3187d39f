package bench

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fleetplane/fleetplane/test/e2e/framework"
)

// clockTicks is the kernel's unit of CPU time in /proc/PID/stat (USER_HZ),
// 100 on every Linux this runs on.
const clockTicks = 100

// processCPU is the CPU time (user+system) each process of the sandbox has used
// so far, keyed by role: "control plane <binary>" (kube-apiserver, etcd,
// kube-controller-manager), "members' <binary>" summed over the members, and
// "proxy". It reads /proc, so the sandbox must run on this machine, as make
// bench's does.
func processCPU(t *testing.T, sb *framework.Sandbox) map[string]time.Duration {
	t.Helper()
	// kwok names a sandbox's clusters <sandbox name>-<cluster>, its processes
	// run from .../kwok/clusters/<kwok name>/bin/<binary>.
	name := "fleet"
	if n, ok := strings.CutPrefix(filepath.Base(sb.Dir), "sandbox-"); ok {
		name = n
	}
	proxy := proxyPID(t, sb)
	out := map[string]time.Duration{}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, dir := range dirs {
		cmdline, err := os.ReadFile(filepath.Join(dir, "cmdline"))
		if err != nil {
			continue
		}
		exe, _, _ := strings.Cut(string(cmdline), "\x00")
		role := ""
		switch _, after, ok := strings.Cut(exe, "/kwok/clusters/"+name+"-"); {
		case filepath.Base(dir) == proxy:
			role = "proxy"
		case ok:
			cluster, binary, _ := strings.Cut(after, "/bin/")
			// kwokctl names binaries with their version: kube-apiserver-v1.37.2.
			binary, _, _ = strings.Cut(binary, "-v1.")
			if cluster == "karmada" {
				role = "control plane " + binary
			} else {
				role = "members' " + binary
			}
		default:
			continue
		}
		if d, err := cpuTime(dir); err == nil {
			out[role] += d
		}
	}
	return out
}

// cpuTime is the user+system CPU time of the process whose /proc directory is dir.
func cpuTime(dir string) (time.Duration, error) {
	stat, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return 0, err
	}
	// The fields after the command, which is in parentheses and may hold spaces.
	f := strings.Fields(string(stat)[strings.LastIndexByte(string(stat), ')')+2:])
	if len(f) < 13 {
		return 0, fmt.Errorf("%s/stat has %d fields after the command", dir, len(f))
	}
	utime, _ := strconv.Atoi(f[11])
	stime, _ := strconv.Atoi(f[12])
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// cpuSpent formats the CPU the sandbox's processes used between two
// processCPU readings, largest first, with the total.
func cpuSpent(before, after map[string]time.Duration) string {
	type spent struct {
		role string
		d    time.Duration
	}
	var all []spent
	var total time.Duration
	for role, d := range after {
		if d -= before[role]; d > 0 {
			all = append(all, spent{role, d})
			total += d
		}
	}
	slices.SortFunc(all, func(a, b spent) int { return cmp.Compare(b.d, a.d) })
	parts := []string{fmt.Sprintf("total %.1fs", total.Seconds())}
	for _, s := range all {
		parts = append(parts, fmt.Sprintf("%s %.1fs", s.role, s.d.Seconds()))
	}
	return strings.Join(parts, ", ")
}
