package api

import (
	"fmt"

	"github.com/raftvec/raftvec/segment"
)

// This file is the seam between wire formats and the semantics of reads
// and writes. The REST handlers of this package and the gRPC front end
// (package grpcapi) decode their wire format into the exported request
// types, call the exported methods of Server, and render what they return;
// collection resolution, validation, filter handling and the reduce of
// per-shard results happen once, behind these methods.

// Output says which fields a read returned and how to render them.
type Output struct {
	// Schema is the collection's schema at the time of the read.
	Schema *segment.Schema
	plan   outputPlan
}

// Fields returns the schema positions of each entity's Values, in order.
// The primary key is not among them (it is Entity.PK).
func (o *Output) Fields() []int { return o.plan.fields }

// Status maps an error to its Milvus response code and message: the one
// mapping both front ends use (see errors.go).
func Status(err error) (code int, msg string) { return toCode(err) }

// checkVectors validates query vectors decoded by a front end.
func checkVectors(vecs [][]float32, dim, topK int) error {
	if len(vecs) == 0 {
		return missingf("missing required parameter \"data\" (the query vectors)")
	}
	if len(vecs) > maxWindow {
		return invalidf("too many query vectors: %d, at most %d", len(vecs), maxWindow)
	}
	for i, v := range vecs {
		if len(v) != dim {
			return invalidf("data[%d]: vector has %d dimensions, the field has %d", i, len(v), dim)
		}
	}
	return checkResults(len(vecs), topK)
}

// Authenticate reports whether a credential may call the API: always with
// auth off, else an API key or "user:password" that matches (gRPC's
// authorization metadata, base64-decoded).
func (s *Server) Authenticate(token string) bool {
	if !s.cfg.AuthEnabled {
		return true
	}
	_, ok := s.Identify(token)
	return ok
}

// AuthEnabled reports whether callers are authenticated and their
// privileges checked (Config.AuthEnabled).
func (s *Server) AuthEnabled() bool { return s.cfg.AuthEnabled }

// Backend returns the backend the API calls, for the metadata operations a
// front end translates one to one.
func (s *Server) Backend() Backend { return s.b }

// Starting returns a non-nil error while the node has not finished
// starting (Config.Starting); requests then answer code 1.
func (s *Server) Starting() error {
	if err := s.startErr(); err != nil {
		return fmt.Errorf("%w: %w", ErrNotReady, err)
	}
	return nil
}

// CheckName validates the name of a new collection, partition, index or
// alias (kind says which), with the message REST gives.
func CheckName(kind, name string) error { return checkName(kind, name) }
