package shards

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/raftvec/raftvec/rpc"
	"github.com/raftvec/raftvec/telemetry"
)

// Cancellation of reads. A read is evaluated under its caller's context
// down to the scan: query filters and exact search scans check it every
// index.ScanChunk rows, indexed searches every few graph expansions or per
// IVF list, every search between query vectors and during the reduce. A
// done context stops the read with an error wrapping ctx.Err().
//
// net/rpc carries no cancellation, so a read served by another node gets
// the caller's deadline in ReadArgs.Deadline, and a ReadID the caller uses
// to send CancelRead when its context ends without a deadline (the HTTP
// client went away).

// ReadStats counts this node's read evaluations.
type ReadStats struct {
	InFlight int64 // reads being served by a replica here right now
	Rows     int64 // rows visited by read scans (counted per chunk)
	Stopped  int64 // reads stopped because their context was done
	// ServedByVoters and ServedByQueryReplicas count the reads this node's
	// replicas served, by the replica's kind.
	ServedByVoters, ServedByQueryReplicas int64
}

// readTracker is a Host's read bookkeeping; its zero value is ready.
type readTracker struct {
	inFlight, rows, stopped atomic.Int64
	byVoter, byQuery        atomic.Int64
	interim                 atomic.Int64     // segment searches through an interim index
	scalar                  atomic.Int64     // segment reads narrowed by a scalar index
	metrics                 *telemetry.Reads // Config.ReadMetrics (nil: none)

	idOnce sync.Once
	prefix string
	seq    atomic.Uint64

	mu      sync.Mutex
	running map[string]context.CancelFunc // remote reads served here, by ReadID
	early   map[string]time.Time          // CancelRead that arrived before its read
}

// ReadStats returns the node's read counters.
func (h *Host) ReadStats() ReadStats {
	t := &h.reads
	return ReadStats{InFlight: t.inFlight.Load(), Rows: t.rows.Load(), Stopped: t.stopped.Load(),
		ServedByVoters: t.byVoter.Load(), ServedByQueryReplicas: t.byQuery.Load()}
}

// scanGuard is the cancellation check of one read: called at chunk
// boundaries with the rows about to be visited, never per row.
type scanGuard struct {
	ctx  context.Context
	rows *atomic.Int64 // nil: not counted
}

func (r *Replica) guard(ctx context.Context) scanGuard {
	g := scanGuard{ctx: ctx}
	if r.reads != nil {
		g.rows = &r.reads.rows
	}
	return g
}

func (g scanGuard) check(rows int) error {
	if err := g.ctx.Err(); err != nil {
		return err
	}
	if g.rows != nil && rows > 0 {
		g.rows.Add(int64(rows))
	}
	return nil
}

// track counts a read in flight; the returned func ends it, counting it as
// stopped when err wraps a context error.
func (t *readTracker) track() func(err error) {
	if t == nil {
		return func(error) {}
	}
	t.inFlight.Add(1)
	return func(err error) {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			t.stopped.Add(1)
		}
		t.inFlight.Add(-1)
	}
}

// newID returns a ReadID unique across this process's lifetime and its
// restarts (random prefix).
func (t *readTracker) newID() string {
	t.idOnce.Do(func() {
		var b [8]byte
		_, _ = rand.Read(b[:])
		t.prefix = hex.EncodeToString(b[:])
	})
	return t.prefix + "-" + strconv.FormatUint(t.seq.Add(1), 10)
}

// earlyCancelTTL is how long a CancelRead that found no running read is
// remembered (the read may still be in the socket); longer than any read.
const earlyCancelTTL = rpcTimeout + 5*time.Second

// start registers a remote read served here under id and returns a context
// that CancelRead(id) cancels, and the func that deregisters it.
func (t *readTracker) start(ctx context.Context, id string) (context.Context, func()) {
	ctx, cancel := context.WithCancel(ctx)
	if id == "" {
		return ctx, cancel
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.early[id]; ok {
		delete(t.early, id)
		cancel()
		return ctx, cancel
	}
	if t.running == nil {
		t.running = map[string]context.CancelFunc{}
	}
	t.running[id] = cancel
	return ctx, func() {
		t.mu.Lock()
		delete(t.running, id)
		t.mu.Unlock()
		cancel()
	}
}

// cancel stops the remote read id (true), or remembers the cancel if the
// read has not started yet (false).
func (t *readTracker) cancel(id string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if c, ok := t.running[id]; ok {
		c()
		return true
	}
	if t.early == nil {
		t.early = map[string]time.Time{}
	}
	for k, at := range t.early {
		if now.Sub(at) > earlyCancelTTL {
			delete(t.early, k)
		}
	}
	t.early[id] = now
	return false
}

// readDeadline is the caller's deadline to send with a remote read (unix
// nanoseconds), 0 for none.
func readDeadline(ctx context.Context) int64 {
	if dl, ok := ctx.Deadline(); ok {
		return dl.UnixNano()
	}
	return 0
}

// CancelReadArgs names a remote read to stop.
type CancelReadArgs struct{ ReadID string }

// CancelReadReply says whether the read was running.
type CancelReadReply struct{ Running bool }

// CancelRead stops the read with that ReadID served here (its caller's
// context ended); unknown IDs are remembered for a while, in case the read
// itself arrives later.
func (s *Service) CancelRead(a CancelReadArgs, r *CancelReadReply) error {
	if a.ReadID != "" {
		r.Running = s.h.reads.cancel(a.ReadID, time.Now())
	}
	return nil
}

// cancelRemoteRead tells node id to stop read readID, in the background:
// the caller has already given up on the reply.
func (h *Host) cancelRemoteRead(nodeID, readID string) {
	go func() {
		ctx, cancel := context.WithTimeout(h.ctx, 5*time.Second)
		defer cancel()
		_ = h.call(ctx, nodeID, ServiceName+".CancelRead", CancelReadArgs{ReadID: readID}, nil)
	}()
}

// abandoned reports whether a remote call was given up by its caller after
// the request was sent (so the remote may still be evaluating it).
func abandoned(ctx context.Context, err error) bool {
	return ctx.Err() != nil && errors.Is(err, rpc.ErrNoReply)
}
