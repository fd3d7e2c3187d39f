// Package krewmanifest reads, checks and updates the krew plugin manifest through
// which users install kubectl-karmada with `kubectl krew install` (plugins/karmada.yaml).
//
// Krew only finds out that a manifest is broken when a user installs the plugin, and
// the krew-index review only after a release. Validate checks the manifest against
// krew's documented rules at `go test` time instead; Update lets hack/krew.sh write a
// release's version and archive digests into the manifest without disturbing the rest
// of the file; Install replays krew's installation steps (digest check, extraction,
// the files mapping, the bin path) so that tests can prove a release archive installs.
package krewmanifest
