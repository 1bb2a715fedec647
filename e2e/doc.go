// Package e2e holds end-to-end tests that start the real raftvec binary
// (built by `make test`, path in RAFTVEC_BIN) on loopback, drive it over
// HTTP, kill it with SIGKILL and restart it. The tests are behind the e2e
// build tag; the package has no production code.
package e2e
