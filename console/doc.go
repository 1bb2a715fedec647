// Package console holds raftvec's web console: plain HTML, CSS and
// JavaScript embedded in the binary and served by package api at
// /console/ (no build step, no network at build or run time, no separate
// service).
//
// The console only reads what the HTTP API already serves to any client
// with the same credentials: /v1/cluster/status, /v1/cluster/storage,
// /v1/collections/{name}/segments, /v1/collections/{name}/entities/{pk}/trace,
// the Milvus v2 routes, and /v1/console/search (a search that also reports
// how each shard answered). It keeps no state on the server; the
// segments-over-time chart is sampled by the page while it is open.
//
// Invariants: the files reference nothing outside /console/ and the API
// (no CDN, no fonts from elsewhere), and a page that cannot reach the API
// says so on the page rather than throwing (the browser test fails on any
// console error).
package console
