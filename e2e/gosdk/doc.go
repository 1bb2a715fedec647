// Package gosdk drives a real raftvec binary with the official Milvus Go
// SDK (github.com/milvus-io/milvus/client/v2/milvusclient) over gRPC. It is
// its own Go module so the SDK's dependencies stay out of raftvec's build;
// `make test-e2e` runs it with RAFTVEC_BIN set.
package gosdk
