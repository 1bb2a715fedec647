package proxy

import (
	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/raft"
	"github.com/raftvec/raftvec/shards"
)

// The request and result types the front ends exchange with the proxy.
// They are the shard read and write types, named here so that front ends
// depend on the proxy alone: the proxy fills in what only it knows
// (partition IDs, the index build name, each shard's share of a window)
// and front ends never reach a shard themselves.
type (
	ReadOptions   = shards.ReadOptions
	QueryRequest  = shards.QueryRequest
	SearchRequest = shards.SearchRequest
	WriteRequest  = shards.WriteRequest
	WriteResult   = shards.WriteResult
	DeleteRequest = shards.DeleteRequest
	Entity        = shards.Entity
	Hit           = shards.Hit
	IndexLag      = shards.IndexLag
	// ReadTrace records how each shard answered a request (the console's
	// search playground); WithReadTrace attaches one to a context.
	ReadTrace = shards.ReadTrace
	ShardRead = shards.ShardRead
)

// WithReadTrace returns a context whose shard reads are recorded.
var WithReadTrace = shards.WithReadTrace

// Errors the backend returns (wrapped) that front ends map to response
// codes.
var (
	// ErrUnknownOutcome: a write was proposed but its commit not confirmed.
	ErrUnknownOutcome = shards.ErrUnknownOutcome
	// ErrMetaUnknownOutcome: the same for a metadata change.
	ErrMetaUnknownOutcome = raft.ErrUnknownOutcome
	ErrUnavailable        = shards.ErrUnavailable
	ErrNotHosted          = shards.ErrNotHosted
	ErrNotLeader          = raft.ErrNotLeader
	ErrClosed             = raft.ErrClosed
	ErrRateLimited        = shards.ErrRateLimited
	ErrDuplicateKey       = shards.ErrDuplicateKey
	ErrInvalid            = shards.ErrInvalid
)

// BuiltPerSegment reports whether an index is built per sealed segment
// (so it has build progress and lag), as opposed to FLAT.
func BuiltPerSegment(ix coordinator.Index) bool { return shards.BuiltPerSegment(ix) }
