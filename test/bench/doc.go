// Package bench holds the benchmarks that run against the sandbox (make bench). Each
// measures our path and a baseline in the same run and prints the ratio, so the
// figures hold on whatever machine runs them.
package bench
