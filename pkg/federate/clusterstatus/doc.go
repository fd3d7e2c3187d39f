// Package clusterstatus keeps each Push-mode Cluster's status true to its member: it
// probes the member's health on a fixed period and reports the Ready condition, the
// Kubernetes version, the served APIs, and node and resource summaries. Schedulers and
// the proxy act on this status, so it must turn Ready=False soon after a member stops
// answering and back to True once it answers again. Summaries come from per-member
// informers on nodes and pods, not from full lists on every period.
package clusterstatus
