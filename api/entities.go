package api

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/proxy"
	"github.com/raftvec/raftvec/segment"
)

type writeReq struct {
	collReq
	Data          json.RawMessage `json:"data"`
	PartitionName string          `json:"partitionName"`
}

func (s *Server) insert(ctx context.Context, c *call) (any, error) { return s.write(ctx, c, false) }

func (s *Server) upsert(ctx context.Context, c *call) (any, error) { return s.write(ctx, c, true) }

// write validates every row, allocates auto IDs, then writes once.
func (s *Server) write(ctx context.Context, c *call, upsert bool) (any, error) {
	describe := func(name string) (*coordinator.Collection, error) { return s.describe(ctx, name) }
	w, ok := decodeWriteFast(c.body, describe, upsert)
	if ok {
		ok = checkPartitions(w.col, w.partition) == nil
	}
	if !ok {
		var err error
		if w, err = decodeWriteSlow(c.body, describe, upsert); err != nil {
			return nil, err
		}
	}
	res, err := s.writeRows(ctx, w, upsert, c.idemKey)
	if err != nil {
		return nil, err
	}
	ids := make([]any, len(res.IDs))
	for i, id := range res.IDs {
		ids[i] = formatPK(id, c.allowInt64)
	}
	data := map[string]any{"insertCount": res.Count, "insertIds": ids}
	if upsert {
		data = map[string]any{"upsertCount": res.Count, "upsertIds": ids}
	}
	return writeReply{data: data, token: res.Token}, nil
}

// WriteRequest is an insert or upsert as every front end gives it: rows as
// maps from field name (or dynamic key) to a value as JSON decodes it
// (json.Number for numbers; a FloatVector may also be a []float32).
type WriteRequest struct {
	Collection string
	Partition  string
	Rows       []map[string]any
	Upsert     bool
	// Key is the idempotency key of the write ("" for none).
	Key string
}

// WriteResult reports a write: the primary keys of the rows in order
// (auto IDs included) and the session token of the write.
type WriteResult struct {
	Count int64
	IDs   []any
	Token string
}

// Write validates every row of r, allocates auto IDs, then writes once.
func (s *Server) Write(ctx context.Context, r *WriteRequest) (*WriteResult, error) {
	col, err := writeTarget(func(name string) (*coordinator.Collection, error) { return s.describe(ctx, name) },
		r.Collection, r.Partition)
	if err != nil {
		return nil, err
	}
	if len(r.Rows) == 0 {
		return nil, badDataf("insert data invalid: no rows; give at least one row")
	}
	vals, err := validateRows(&col.Schema, r.Rows, r.Upsert)
	if err != nil {
		return nil, err
	}
	return s.writeRows(ctx, writeBody{col: col, partition: r.Partition, vals: vals}, r.Upsert, r.Key)
}

// writeRows allocates auto IDs for validated rows and writes them.
func (s *Server) writeRows(ctx context.Context, w writeBody, upsert bool, key string) (*WriteResult, error) {
	col, vals := w.col, w.vals
	pk := col.Schema.PrimaryIndex()
	auto := col.Schema.Fields[pk].AutoID && !upsert
	if auto {
		first, err := s.b.AllocIDs(ctx, len(vals))
		if err != nil {
			return nil, err
		}
		for i := range vals {
			vals[i][pk] = first + int64(i)
		}
	}
	if err := runFunctions(&col.Schema, vals); err != nil {
		return nil, err
	}
	res, err := s.b.Write(ctx, proxy.WriteRequest{Collection: col.Name,
		Rows: buildBatch(&col.Schema, vals, w.vectors), Upsert: upsert, Key: key, Partition: w.partition})
	if err != nil {
		return nil, named(err, "collection", col.Name)
	}
	if res.Replayed && auto {
		for i := range vals { // the auto IDs the first attempt wrote
			vals[i][pk] = res.FirstID + int64(i)
		}
	}
	ids := make([]any, len(vals))
	for i := range vals {
		ids[i] = vals[i][pk]
	}
	return &WriteResult{Count: res.Count, IDs: ids, Token: res.Token}, nil
}

// decodeWriteSlow decodes an insert/upsert body through encoding/json: every
// shape the API accepts, and the canonical error for everything else.
func decodeWriteSlow(body []byte, describe describeFunc, upsert bool) (writeBody, error) {
	var r writeReq
	if err := decodeBody(body, &r); err != nil {
		return writeBody{}, err
	}
	col, err := writeTarget(describe, r.CollectionName, r.PartitionName)
	if err != nil {
		return writeBody{}, err
	}
	rows, err := parseRows(r.Data)
	if err != nil {
		return writeBody{}, err
	}
	vals, err := validateRows(&col.Schema, rows, upsert)
	if err != nil {
		return writeBody{}, err
	}
	return writeBody{col: col, partition: r.PartitionName, vals: vals}, nil
}

// writeTarget resolves the collection and partition a write names.
func writeTarget(describe describeFunc, coll, part string) (*coordinator.Collection, error) {
	if err := requireName("collectionName", coll); err != nil {
		return nil, err
	}
	col, err := describe(coll)
	if err != nil {
		return nil, err
	}
	return col, checkPartitions(col, part)
}

// checkPartitions reports the first named partition that does not exist.
func checkPartitions(col *coordinator.Collection, names ...string) error {
	for _, n := range names {
		if _, ok := col.Partition(n); n != "" && !ok {
			return errf(codePartitionNotFound, "partition not found: %q in collection %q", n, col.Name)
		}
	}
	return nil
}

// DeleteRequest deletes the rows matching Filter, as every front end gives
// it.
type DeleteRequest struct {
	collReq
	Filter        string         `json:"filter"`
	PartitionName string         `json:"partitionName"`
	ExprParams    map[string]any `json:"exprParams"`
	Key           string         `json:"-"` // idempotency key
}

func (s *Server) deleteEntities(ctx context.Context, c *call) (any, error) {
	var r DeleteRequest
	if err := decodeNamed(c, &r, &r.collReq); err != nil {
		return nil, err
	}
	r.Key = c.idemKey
	n, err := s.Delete(ctx, &r)
	if err != nil {
		return nil, err
	}
	return writeReply{data: map[string]any{"deleteCount": n}}, nil
}

// Delete validates r and deletes the matching rows on every shard; it
// returns how many were deleted.
func (s *Server) Delete(ctx context.Context, r *DeleteRequest) (int64, error) {
	col, err := s.describe(ctx, r.CollectionName)
	if err != nil {
		return 0, err
	}
	if err := requireName("filter", r.Filter); err != nil {
		return 0, err
	}
	if err := checkPartitions(col, r.PartitionName); err != nil {
		return 0, err
	}
	return s.b.Delete(ctx, proxy.DeleteRequest{Collection: col.Name, Partition: r.PartitionName,
		Filter: r.Filter, Params: paramMap(r.ExprParams), Key: r.Key})
}

// readReq holds the options shared by get, query and search.
type readReq struct {
	collReq
	PartitionNames   []string       `json:"partitionNames"`
	Filter           string         `json:"filter"`
	ExprParams       map[string]any `json:"exprParams"`
	ConsistencyLevel string         `json:"consistencyLevel"`
	OutputFields     []string       `json:"outputFields"`
	// Session is the session token of a Session-level read (REST's
	// Raftvec-Session-Token header).
	Session string `json:"-"`
}

// readOptions validates the shared read options.
func (r *readReq) readOptions(col *coordinator.Collection, session string) (proxy.ReadOptions, error) {
	level, err := consistency(r.ConsistencyLevel)
	if err != nil {
		return proxy.ReadOptions{}, err
	}
	if err := firstErr(checkPartitions(col, r.PartitionNames...), checkSessionToken(session)); err != nil {
		return proxy.ReadOptions{}, err
	}
	return proxy.ReadOptions{Collection: col.Name, Partitions: r.PartitionNames, Filter: r.Filter,
		Params: paramMap(r.ExprParams), Consistency: level, SessionToken: session}, nil
}

// parseIDs reads a primary key or a list of them, converted to the pk type
// (Int64 keys may be numbers or numeric strings).
func parseIDs(raw json.RawMessage, pk *segment.Field, param string) ([]any, error) {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil, missingf("missing required parameter %q", param)
	}
	v, err := decodeValue(raw)
	if err != nil {
		return nil, err
	}
	list, ok := v.([]any)
	if !ok {
		list = []any{v}
	}
	if len(list) == 0 {
		return nil, missingf("missing required parameter %q: the list is empty", param)
	}
	if len(list) > maxWindow {
		return nil, invalidf("too many primary keys in %q: %d, at most %d per request", param, len(list), maxWindow)
	}
	ids := make([]any, len(list))
	for i, x := range list {
		id, err := convertScalar(pk, x)
		if err != nil {
			return nil, invalidf("invalid %s[%d] for primary key %q: %v", param, i, pk.Name, err)
		}
		ids[i] = id
	}
	return ids, nil
}
