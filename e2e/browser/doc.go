// Package browser tests raftvec's web console (/console/) in a real
// headless Chromium (Debian's chromium package, driven over the DevTools
// protocol with chromedp) against a real 3-node cluster of the raftvec
// binary sharing a MinIO. Every page must load, show the cluster's live
// data and log no console error or failed request; screenshots are kept
// under $RAFTVEC_SCREENSHOTS (default: the test's temp dir).
//
// It is its own Go module so chromedp stays out of raftvec's build;
// `make test-minio` runs it with RAFTVEC_BIN, the MinIO variables and
// RAFTVEC_CHROMIUM set (scripts/chromium.sh installs the browser).
package browser
