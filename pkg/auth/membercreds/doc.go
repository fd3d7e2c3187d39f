// Package membercreds turns a Cluster's spec.secretRef into a client configuration for
// the member. The controllers act on members with these credentials only, never with
// the impersonator's, so the rules for reading and validating them live in one place.
package membercreds
