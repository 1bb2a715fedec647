package shards

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/raftvec/raftvec/expr"
	"github.com/raftvec/raftvec/fsm"
	"github.com/raftvec/raftvec/raft"
	"github.com/raftvec/raftvec/rpc"
	"github.com/raftvec/raftvec/segment"
)

// ServiceName is the RPC service every node serves for its shard replicas.
const ServiceName = "Shard"

const rpcTimeout = 30 * time.Second

// errCodes maps data-path sentinels to wire codes so a forwarded call fails
// with the same sentinel as a local one. Specific ones first:
// ErrUnknownOutcome and ErrUnavailable wrap raft errors.
var errCodes = rpc.Codes{
	{"unknown_outcome", ErrUnknownOutcome},
	{"duplicate_key", ErrDuplicateKey},
	{"invalid_filter", expr.ErrInvalid},
	{"invalid", ErrInvalid},
	{"not_hosted", ErrNotHosted},
	{"rate_limited", ErrRateLimited},
	{"not_leader", raft.ErrNotLeader},
	{"unavailable", ErrUnavailable},
	// A read stopped by its context (the caller's deadline, CancelRead).
	{"canceled", context.Canceled},
	{"deadline_exceeded", context.DeadlineExceeded},
}

func encodeErr(err error) error { return errCodes.Encode(err) }

// decodeErr turns a remote error back into one wrapping its sentinel. A
// call that did not run (or a not-leader answer) is unavailable and safe to
// retry; a missing reply may have run.
func decodeErr(err error) error {
	var re *rpc.Error
	if errors.As(err, &re) && re.Code == "not_leader" {
		return fmt.Errorf("%w: %w: %s", ErrUnavailable, raft.ErrNotLeader, re.Msg)
	}
	if out, ok := errCodes.Decode(err); ok {
		return out
	}
	switch {
	case err == nil:
		return nil
	case rpc.NotRun(err):
		return fmt.Errorf("%w: %w: %w", ErrUnavailable, raft.ErrNotLeader, err)
	case errors.Is(err, rpc.ErrNoReply):
		return fmt.Errorf("%w: %w", ErrUnknownOutcome, err)
	}
	return err
}

// Service is the "Shard" RPC service: proposals forwarded to a shard
// leader, read indexes, and reads served by a replica.
type Service struct{ h *Host }

// Service returns the RPC service to register as ServiceName.
func (h *Host) Service() *Service { return &Service{h: h} }

// ProposeArgs carries an encoded fsm.Command for a group.
type ProposeArgs struct {
	Group string
	Data  []byte
	// Deadline (unix nanoseconds) after which the entry must not enter the
	// log: a request that sat in a paused or partitioned node's socket must
	// not be applied after its client gave up and wrote again. Set by
	// proposalDeadline; 0 means none (older senders).
	Deadline int64
}

// proposeBudget bounds a forwarded proposal whose caller set no deadline.
const proposeBudget = 10 * time.Second

// proposalDeadline is the absolute deadline a forwarded proposal carries:
// the caller's, or proposeBudget from now.
func proposalDeadline(ctx context.Context) int64 {
	if dl, ok := ctx.Deadline(); ok {
		return dl.UnixNano()
	}
	return time.Now().Add(proposeBudget).UnixNano()
}

// ErrProposalExpired is returned (as ErrUnavailable: definitely not
// applied) for a forwarded proposal received after its deadline.
var ErrProposalExpired = errors.New("proposal arrived after its deadline")

// ProposeReply is the applied result.
type ProposeReply struct {
	Index uint64
	Count int64
}

func (s *Service) replica(group string) (*Replica, error) {
	if r := s.h.byName(group); r != nil {
		return r, nil
	}
	return s.h.openByName(group, openRequest) // asleep, or not opened yet
}

// Propose applies a command; this node must lead the group.
func (s *Service) Propose(a ProposeArgs, r *ProposeReply) error {
	rep, err := s.replica(a.Group)
	if err != nil {
		return encodeErr(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), rpcTimeout)
	defer cancel()
	if a.Deadline != 0 {
		if time.Now().UnixNano() >= a.Deadline {
			return encodeErr(fmt.Errorf("%w: %s: %w", ErrUnavailable, a.Group, ErrProposalExpired))
		}
		var cancelDL context.CancelFunc
		ctx, cancelDL = context.WithDeadline(ctx, time.Unix(0, a.Deadline))
		defer cancelDL()
	}
	res, idx, err := rep.proposeData(ctx, a.Data)
	r.Index, r.Count = idx, res.Count
	return encodeErr(err)
}

// GroupArgs names a group.
type GroupArgs struct{ Group string }

// IndexReply carries a log index; a read index comes with the leader's
// clock (unix ms) read just before it confirmed its leadership.
type IndexReply struct {
	Index uint64
	Time  int64
}

// ReadIndex returns a linearizable read index; this node must lead.
func (s *Service) ReadIndex(a GroupArgs, r *IndexReply) error {
	rep, err := s.replica(a.Group)
	if err != nil {
		return encodeErr(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), rpcTimeout)
	defer cancel()
	rep.markRead() // a follower reads: keep ticking
	r.Time = time.Now().UnixMilli()
	r.Index, err = rep.node.ReadIndex(ctx)
	return encodeErr(err)
}

// Applied returns the replica's applied index (for catch-up checks).
func (s *Service) Applied(a GroupArgs, r *IndexReply) error {
	rep, err := s.replica(a.Group)
	if err != nil {
		return encodeErr(err)
	}
	r.Index = rep.node.AppliedIndex()
	return nil
}

// LeadingReply says whether this node leads a group.
type LeadingReply struct{ Leading bool }

// Leading reports whether this node's replica of a group is its leader.
func (s *Service) Leading(a GroupArgs, r *LeadingReply) error {
	rep, err := s.replica(a.Group)
	if err != nil {
		return encodeErr(err)
	}
	r.Leading = rep.node.IsLeader()
	return nil
}

// ReadArgs is a read served by a replica: gate, then query or search.
type ReadArgs struct {
	Group      string
	Opts       ReadOptions
	Partitions []int64 // nil = all
	Query      *QueryRequest
	Search     *SearchRequest
	Segments   bool // list the shard's segments
	TracePK    any  // trace one entity by primary key
	// Tails, with Segments: each segment's rows not in object storage
	// yet come along as chunk files (SegmentInfo.Tail), read at the same
	// log index as the listing (a backup).
	Tails bool
	// VotersOnly: a read of the write path (the duplicate-key check of an
	// insert) that only voters serve, so writes never wait for a query
	// replica.
	VotersOnly bool
	// Deadline (unix nanoseconds) is the caller's deadline, 0 for none: the
	// serving node stops evaluating the read after it.
	Deadline int64
	// ReadID, when set, names the read so that its caller can stop it with
	// CancelRead once its context ends (net/rpc carries no cancellation).
	ReadID string
	// TTL is the collection's row time to live in ms as the caller's
	// metadata says (0: rows never expire); Host.Read and Host.Segments
	// set it from the collection.
	TTL int64

	// compiled is Opts.Filter as the proxy compiled it against schema, for
	// a replica on the proxy's own node (unexported: never sent to another
	// node, which compiles the text itself).
	compiled    *expr.Filter
	compiledSrc string
	schema      *segment.Schema
}

// WithFilter returns a with its Opts.Filter (and Opts.Params, which must
// not change afterwards) already compiled against schema: a local replica
// whose schema has the same fields uses it instead of compiling the filter
// again.
func (a ReadArgs) WithFilter(f *expr.Filter, schema *segment.Schema) ReadArgs {
	a.compiled, a.compiledSrc, a.schema = f, a.Opts.Filter, schema
	return a
}

// ReadReply carries one shard's answer.
type ReadReply struct {
	Query    QueryResult
	Search   SearchResult
	Segments []SegmentInfo
	Trace    *EntityTrace
	Leader   bool // the replica led its group when it answered
}

// Read serves a query or search on this replica at the requested level.
func (s *Service) Read(a ReadArgs, r *ReadReply) error {
	rep, err := s.replica(a.Group)
	if err != nil {
		return encodeErr(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), rpcTimeout)
	defer cancel()
	if a.Deadline != 0 {
		var cancelDL context.CancelFunc
		ctx, cancelDL = context.WithDeadline(ctx, time.Unix(0, a.Deadline))
		defer cancelDL()
	}
	ctx, done := s.h.reads.start(ctx, a.ReadID)
	defer done()
	if a.Segments || a.TracePK != nil {
		at, err := rep.gateAt(ctx, a.Opts.Consistency, a.Opts.SessionToken)
		if err != nil {
			return encodeErr(err)
		}
		if a.TracePK != nil {
			r.Trace = rep.Trace(a.TracePK)
		} else {
			r.Segments = rep.segmentsAt(a.TTL, at, a.Tails)
		}
		return nil
	}
	r.Query, r.Search, err = rep.ServeRead(ctx, a)
	r.Leader = rep.node.IsLeader()
	return encodeErr(err)
}

// Segments describes the replica's segments (no row counted expired).
func (r *Replica) Segments() []SegmentInfo { return r.SegmentsAt(0, 0) }

// SegmentsAt describes the replica's segments with their rows expired
// under a TTL of ttl ms (0: none) at the later of at and the leader time
// applied here (see ReadSpec).
func (r *Replica) SegmentsAt(ttl, at int64) []SegmentInfo { return r.segmentsAt(ttl, at, false) }

// segmentsAt is SegmentsAt, with the rows of each segment not in object
// storage yet as chunk files (SegmentInfo.Tail) when tails is set: sliced
// under the same read lock as the listing, encoded after it (rows in a
// column never change or move).
func (r *Replica) segmentsAt(ttl, at int64, tails bool) []SegmentInfo {
	var out []SegmentInfo
	type tail struct {
		seg  int
		cols []segment.Column
	}
	var cut []tail
	schema := r.fsm.Schema()
	defer func() {
		for _, tl := range cut {
			info := &out[tl.seg]
			for f := range tl.cols {
				info.Tail = append(info.Tail, segment.EncodeChunkFile(schema.Fields[f].ID, &tl.cols[f], 0, tl.cols[f].Len()))
			}
		}
	}()
	r.fsm.View(func(v fsm.View) {
		now := max(v.LeaderTime(), at)
		for _, g := range v.Segments() {
			info := SegmentInfo{ID: g.ID, Shard: r.Shard, Partition: g.Partition, State: g.State.String(),
				Rows: int64(g.Rows()), Deleted: int64(g.Rows() - g.Live()), Bytes: g.Bytes(0, g.Rows()),
				FlushedRows: g.FlushedRows(), Chunks: len(g.Chunks), Applied: v.Applied()}
			if info.Applied == 0 { // no entry since a snapshot restore: the node's applied index is the state's
				info.Applied = r.node.AppliedIndex()
			}
			info.Indexes = slices.Clone(g.Indexes)
			info.Expired, info.ExpiredFlags = expiredLive(v, g, ttl, now)
			for _, c := range g.Chunks {
				info.Keys = append(info.Keys, c.Keys...)
			}
			info.Manifest = append([]segment.Chunk(nil), g.Chunks...)
			info.Flags, _ = g.DeltaFile()
			for i, x := range g.Indexes {
				if i == 0 {
					info.IndexName, info.IndexFile, info.IndexFiles = x.Name, x.Key, map[string]string{}
				}
				info.IndexFiles[x.Name] = x.Key
			}
			if g.Delta != nil {
				d := *g.Delta
				info.DeltaRows, info.Delta = d.Count, &d
				info.Keys = append(info.Keys, d.Key)
			}
			if from, rows := int(g.FlushedRows()), g.Rows(); tails && rows > from {
				tl := tail{seg: len(out)}
				for f := range g.Columns {
					tl.cols = append(tl.cols, g.Columns[f].Slice(from, rows))
				}
				cut = append(cut, tl)
			}
			out = append(out, info)
		}
	})
	return out
}

// ServeRead gates a read at its consistency level and runs it until ctx is
// done (then the error wraps ctx.Err()).
func (r *Replica) ServeRead(ctx context.Context, a ReadArgs) (_ QueryResult, _ SearchResult, err error) {
	end := r.reads.track()
	defer func() { end(err) }()
	defer r.observeRead(a, time.Now(), &err)
	if r.query {
		r.reads.byQuery.Add(1)
	} else {
		r.reads.byVoter.Add(1)
	}
	at, err := r.gateAt(ctx, a.Opts.Consistency, a.Opts.SessionToken)
	if err != nil {
		return QueryResult{}, SearchResult{}, err
	}
	spec, err := r.spec(a)
	if err != nil {
		return QueryResult{}, SearchResult{}, err
	}
	spec.TTL, spec.At = a.TTL, at
	if a.Query != nil {
		q := a.Query
		res, err := r.Query(ctx, spec, q.IDs, q.OutputFields, q.Limit, q.CountOnly)
		return res, SearchResult{}, err
	}
	if a.Search == nil {
		return QueryResult{}, SearchResult{}, fmt.Errorf("%w: read without query or search", ErrInvalid)
	}
	res, err := r.Search(ctx, spec, a.Search)
	return QueryResult{}, res, err
}

// spec compiles a read's filter against the replica's schema, unless the
// proxy on this node already compiled it against the same fields.
func (r *Replica) spec(a ReadArgs) (ReadSpec, error) {
	var spec ReadSpec
	o := a.Opts
	if a.Partitions != nil {
		spec.Partitions = map[int64]bool{}
		for _, p := range a.Partitions {
			spec.Partitions[p] = true
		}
	}
	if a.compiled != nil && a.compiledSrc == o.Filter && sameFields(a.schema, r.fsm.Schema()) {
		spec.Filter = a.compiled
	} else if o.Filter != "" {
		f, err := expr.Compile(o.Filter, r.fsm.Schema(), o.Params)
		if err != nil {
			return spec, err
		}
		spec.Filter = f
	}
	spec.Terms = indexedTerms(spec.Filter, r.fsm.Schema(), o.ScalarIndexes)
	return spec, nil
}

// indexedTerms keeps the filter's index terms on fields with a scalar
// index.
func indexedTerms(f *expr.Filter, s *segment.Schema, indexed []string) []expr.IndexTerm {
	if len(indexed) == 0 {
		return nil
	}
	var out []expr.IndexTerm
	for _, t := range f.IndexTerms() {
		if slices.Contains(indexed, s.Fields[t.Field].Name) {
			out = append(out, t)
		}
	}
	return out
}

// sameFields reports whether a filter compiled against schema a reads the
// same columns in b: the same field names, types and order.
func sameFields(a, b *segment.Schema) bool {
	if a == nil || b == nil || len(a.Fields) != len(b.Fields) || a.EnableDynamic != b.EnableDynamic {
		return false
	}
	for i := range a.Fields {
		if a.Fields[i].Name != b.Fields[i].Name || a.Fields[i].Type != b.Fields[i].Type || a.Fields[i].ElementType != b.Fields[i].ElementType {
			return false
		}
	}
	return true
}
