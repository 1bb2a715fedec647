package grpcapi

import (
	"context"

	"github.com/milvus-io/milvus-proto/go-api/v2/milvuspb"
	"github.com/milvus-io/milvus-proto/go-api/v2/schemapb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/raftvec/raftvec/api"
	"github.com/raftvec/raftvec/proxy"
)

// SessionHeader is the metadata key carrying raftvec's session token: set
// on the response of every write, and read from Session-level reads (see
// readLevel).
const SessionHeader = "raftvec-session-token"

// Insert writes columnar rows.
func (s *Service) Insert(ctx context.Context, r *milvuspb.InsertRequest) (*milvuspb.MutationResult, error) {
	return s.write(ctx, r.GetCollectionName(), r.GetPartitionName(), r.GetFieldsData(), int(r.GetNumRows()), false)
}

// Upsert inserts or replaces columnar rows by primary key.
func (s *Service) Upsert(ctx context.Context, r *milvuspb.UpsertRequest) (*milvuspb.MutationResult, error) {
	return s.write(ctx, r.GetCollectionName(), r.GetPartitionName(), r.GetFieldsData(), int(r.GetNumRows()), true)
}

func (s *Service) write(ctx context.Context, coll, part string, fields []*schemapb.FieldData, n int, upsert bool) (*milvuspb.MutationResult, error) {
	fail := func(err error) (*milvuspb.MutationResult, error) {
		return &milvuspb.MutationResult{Status: toStatus(err)}, nil
	}
	rows, err := decodeRows(fields, n)
	if err != nil {
		return fail(err)
	}
	res, err := s.api.Write(ctx, &api.WriteRequest{Collection: coll, Partition: part, Rows: rows,
		Upsert: upsert, Key: incoming(ctx, "idempotency-key")})
	if err != nil {
		return fail(err)
	}
	setSession(ctx, res.Token)
	_, varchar := res.IDs[0].(string) // a write has at least one row
	out := &milvuspb.MutationResult{Status: ok(), IDs: idsOf(res.IDs, varchar)}
	out.SuccIndex = make([]uint32, len(res.IDs))
	for i := range out.SuccIndex {
		out.SuccIndex[i] = uint32(i)
	}
	if upsert {
		out.UpsertCnt = res.Count
	} else {
		out.InsertCnt = res.Count
	}
	return out, nil
}

// Delete deletes the rows matching an expression.
func (s *Service) Delete(ctx context.Context, r *milvuspb.DeleteRequest) (*milvuspb.MutationResult, error) {
	params, err := templateValues(r.GetExprTemplateValues())
	if err != nil {
		return &milvuspb.MutationResult{Status: toStatus(err)}, nil
	}
	d := &api.DeleteRequest{Filter: r.GetExpr(), PartitionName: r.GetPartitionName(), ExprParams: params, Key: incoming(ctx, "idempotency-key")}
	d.CollectionName = r.GetCollectionName()
	n, err := s.api.Delete(ctx, d)
	if err != nil {
		return &milvuspb.MutationResult{Status: toStatus(err)}, nil
	}
	return &milvuspb.MutationResult{Status: ok(), DeleteCnt: n, IDs: &schemapb.IDs{}}, nil
}

// incoming returns the first value of a request metadata key ("" when
// absent): "idempotency-key" (REST's Idempotency-Key header, a retried
// write with the same key applies once) and SessionHeader.
func incoming(ctx context.Context, key string) string {
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get(key); len(v) > 0 {
		return v[0]
	}
	return ""
}

// setSession returns a write's session token as response metadata.
func setSession(ctx context.Context, token string) {
	if token != "" {
		_ = grpc.SetHeader(ctx, metadata.Pairs(SessionHeader, token))
	}
}

// entities of a query, as pointers.
func entityPtrs(ents []proxy.Entity) []*proxy.Entity {
	out := make([]*proxy.Entity, len(ents))
	for i := range ents {
		out[i] = &ents[i]
	}
	return out
}
