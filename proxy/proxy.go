package proxy

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/fsm"
	"github.com/raftvec/raftvec/index"
	"github.com/raftvec/raftvec/segment"
	"github.com/raftvec/raftvec/shards"
	"github.com/raftvec/raftvec/telemetry"
)

// Proxy implements api.Backend for one node.
type Proxy struct {
	coord     *coordinator.Coordinator
	host      *shards.Host
	logger    hclog.Logger
	replicas  int
	lifecycle shards.Lifecycle
	memLimit  int64            // bytes a load may take this node to (0: no limit)
	reads     *telemetry.Reads // request latencies (nil: not timed)
}

// New returns a proxy over a coordinator and a shard host; replicas is the
// default number of replicas per shard of new collections, memLimit the
// node's memory limit for loads (0: none).
func New(coord *coordinator.Coordinator, host *shards.Host, logger hclog.Logger, replicas int, memLimit int64) *Proxy {
	return &Proxy{coord: coord, host: host, logger: logger, replicas: replicas, lifecycle: host.Lifecycle(), memLimit: memLimit}
}

// SetReadMetrics makes the proxy time the searches and queries it serves.
// Call it before serving.
func (p *Proxy) SetReadMetrics(m *telemetry.Reads) { p.reads = m }

// Ready reports whether the metadata group has a leader and every shard
// replica is open.
func (p *Proxy) Ready(ctx context.Context) error {
	if addr, _ := p.coord.Node().LeaderAddr(); addr == "" {
		return fmt.Errorf("%w: metadata group has no leader", shards.ErrUnavailable)
	}
	return nil
}

// CreateCollection implements api.Backend.
func (p *Proxy) CreateCollection(ctx context.Context, c *coordinator.Collection) error {
	if c.ShardsNum < 1 || c.ShardsNum > 64 {
		return fmt.Errorf("%w: shardsNum must be between 1 and 64, got %d", coordinator.ErrInvalid, c.ShardsNum)
	}
	for _, ix := range c.Indexes {
		if err := checkIndex(ix); err != nil {
			return err
		}
	}
	if c.ReplicaNumber == 0 {
		c.ReplicaNumber = p.replicas
	}
	c.DB = Database(ctx)
	stored, err := p.coord.CreateCollection(ctx, c)
	if err != nil {
		return err
	}
	if err := p.host.Ensure(stored); err != nil {
		return err
	}
	// Settle placement before answering: every shard led by its preferred
	// replica, so the first writes find their leader and are not caught by
	// a leadership transfer.
	if !p.host.WaitSettled(ctx, stored) {
		p.logger.Warn("collection created before every shard's preferred replica led it", "collection", stored.Name)
	}
	return nil
}

// DropCollection implements api.Backend.
func (p *Proxy) DropCollection(ctx context.Context, name string) error {
	if _, err := p.coord.DropCollection(ctx, qualify(ctx, name)); err != nil {
		return err
	}
	return p.host.Reconcile()
}

// DescribeCollection implements api.Backend.
func (p *Proxy) DescribeCollection(ctx context.Context, name string) (*coordinator.Collection, error) {
	return p.coord.CollectionViewStrong(ctx, qualify(ctx, name))
}

// ListCollections implements api.Backend.
func (p *Proxy) ListCollections(ctx context.Context) ([]string, error) {
	return p.coord.ListCollections(ctx, Database(ctx))
}

// RenameCollection implements api.Backend: newDB "" keeps the database.
func (p *Proxy) RenameCollection(ctx context.Context, oldName, newDB, newName string) error {
	if newDB == "" {
		newDB = Database(ctx)
	}
	return p.coord.Rename(ctx, qualify(ctx, oldName), coordinator.Qualify(newDB, newName))
}

// SetLoaded implements api.Backend.
func (p *Proxy) SetLoaded(ctx context.Context, name string, loaded bool, replicas int) error {
	if loaded {
		c, err := p.coord.Collection(qualify(ctx, name))
		if err != nil {
			return err
		}
		if err := p.admit(ctx, c); err != nil {
			return err
		}
	}
	return p.coord.SetLoaded(ctx, qualify(ctx, name), loaded, replicas)
}

// LoadProgress implements api.Backend.
func (p *Proxy) LoadProgress(ctx context.Context, name string) (int, error) {
	c, err := p.coord.Collection(qualify(ctx, name))
	if err != nil {
		return 0, err
	}
	return p.host.LoadProgress(ctx, c), nil
}

// Flush implements api.Backend: it seals every growing segment of the
// collection and waits until each shard's leader has flushed the segments
// sealed by then, and the deletions they had, to object storage. As
// Milvus's flush, it covers the data written before the call: segments
// sealed later are not waited for, since under a steady write load new
// ones keep being sealed and waiting for all of them might never end.
func (p *Proxy) Flush(ctx context.Context, name string) error {
	c, err := p.coord.Collection(qualify(ctx, name))
	if err != nil {
		return err
	}
	err = scatter(c.ShardsNum, func(i int) error {
		_, _, err := p.host.Propose(ctx, c, i, &fsm.Command{Kind: fsm.KindSeal})
		return err
	})
	if err != nil {
		return err
	}
	segs, err := p.segmentsOf(ctx, c)
	if err != nil {
		return err
	}
	want := flushTargets(segs)
	for {
		pending := unflushed(segs, want)
		if pending == 0 || p.lifecycle.Store == nil { // nowhere to flush to: sealing is all
			p.snapshotLocal(c)
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: flush of %q: %d segments still flushing: %w", shards.ErrUnavailable, name, pending, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
		if segs, err = p.segmentsOf(ctx, c); err != nil {
			return err
		}
	}
}

// snapshotLocal takes a Raft snapshot of this node's replicas of c: with
// every segment flushed it holds only metadata and chunk manifests, and it
// lets Raft truncate the log. Errors only delay that, so they are ignored.
func (p *Proxy) snapshotLocal(c *coordinator.Collection) {
	for i := 0; i < c.ShardsNum; i++ {
		if r, err := p.host.Replica(c, i); err == nil {
			_ = r.Node().Snapshot()
		}
	}
}

// flushTargets is what a flush waits for: every segment sealed when it
// began, with the deletions it had then.
func flushTargets(segs []shards.SegmentInfo) map[int64]int64 {
	want := make(map[int64]int64)
	for _, s := range segs {
		if s.State != segment.Growing.String() {
			want[s.ID] = s.Deleted
		}
	}
	return want
}

// unflushed counts the target segments not yet fully in object storage:
// rows not in chunks, or the deletions the flush waits for not in a delta
// log. A target that is gone (compacted, dropped) is done.
func unflushed(segs []shards.SegmentInfo, want map[int64]int64) int {
	n := 0
	for _, s := range segs {
		deleted, ok := want[s.ID]
		if !ok {
			continue
		}
		if s.State == segment.Sealed.String() || (s.State == segment.Flushed.String() && s.DeltaRows < min(deleted, s.Deleted)) {
			n++
		}
	}
	return n
}

// Segments lists every segment of a collection, shard by shard (read at
// Strong).
func (p *Proxy) Segments(ctx context.Context, name string) ([]shards.SegmentInfo, error) {
	c, err := p.coord.Collection(qualify(ctx, name))
	if err != nil {
		return nil, err
	}
	return p.segmentsOf(ctx, c)
}

// segmentsOf lists every segment of a collection, shard by shard (read at
// Strong).
func (p *Proxy) segmentsOf(ctx context.Context, c *coordinator.Collection) ([]shards.SegmentInfo, error) {
	per := make([][]shards.SegmentInfo, c.ShardsNum)
	err := scatter(c.ShardsNum, func(i int) error {
		var err error
		per[i], err = p.host.Segments(ctx, c, i, coordinator.Strong)
		return err
	})
	var out []shards.SegmentInfo
	for _, s := range per {
		out = append(out, s...)
	}
	return out, err
}

// Compact implements api.Backend: it plans merges and compactions of every
// shard's flushed segments now, hands them to the coordinator as tasks (or,
// without object storage, commits them through the shard logs) and waits
// until they and every other task of the collection are done. A task that
// was already running (a leader's own merge) can produce a segment that
// needs compacting in turn, so it plans again until a round plans nothing
// (at most compactRounds rounds). The job ID is the collection's ID.
func (p *Proxy) Compact(ctx context.Context, name string) (int64, error) {
	c, err := p.coord.Collection(qualify(ctx, name))
	if err != nil {
		return 0, err
	}
	for round := 0; round < compactRounds; round++ {
		if err := p.waitTasks(ctx, compactionsOf(c.ID)); err != nil {
			return 0, err
		}
		planned, err := p.compactRound(ctx, c)
		if err != nil || planned == 0 {
			return c.ID, err
		}
	}
	return c.ID, p.waitTasks(ctx, compactionsOf(c.ID))
}

// compactionsOf matches the compaction tasks of a collection.
func compactionsOf(collID int64) func(coordinator.Task) bool {
	return func(t coordinator.Task) bool { return t.Kind == coordinator.TaskCompact && t.Collection == collID }
}

// compactRounds bounds Compact's plan-and-wait rounds.
const compactRounds = 4

// compactRound plans every shard's rewrites and starts them; it returns how
// many it planned.
func (p *Proxy) compactRound(ctx context.Context, c *coordinator.Collection) (int, error) {
	var planned atomic.Int64
	err := scatter(c.ShardsNum, func(i int) error {
		segs, err := p.host.Segments(ctx, c, i, coordinator.Strong)
		if err != nil {
			return err
		}
		for _, plan := range shards.PlanCompaction(segs, p.lifecycle.MaxSegmentSize, p.lifecycle.CompactionRatio) {
			planned.Add(1)
			if p.lifecycle.Store == nil {
				_, _, err = p.host.Propose(ctx, c, i, &fsm.Command{Kind: fsm.KindCompact, Segments: plan, TTL: c.TTLMillis()})
			} else {
				_, err = p.coord.CreateTask(ctx, coordinator.Task{Collection: c.ID, Shard: i, Segments: plan})
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	return int(planned.Load()), err
}

// waitTasks waits until no assigned task matches.
func (p *Proxy) waitTasks(ctx context.Context, match func(coordinator.Task) bool) error {
	for {
		pending := 0
		for _, t := range p.coord.Tasks() {
			if t.State == coordinator.TaskAssigned && match(t) {
				pending++
			}
		}
		if pending == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: %d compaction tasks still running: %w", shards.ErrUnavailable, pending, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// CompactionState implements api.Backend: a job (a collection's ID) is
// executing while the collection has assigned compaction tasks.
func (p *Proxy) CompactionState(ctx context.Context, jobID int64) (string, int, int, error) {
	executing, completed := 0, 0
	for _, t := range p.coord.Tasks() {
		if t.Collection != jobID {
			continue
		}
		if t.State == coordinator.TaskAssigned {
			executing++
		} else {
			completed++
		}
	}
	if executing > 0 {
		return "Executing", executing, completed, nil
	}
	return "Completed", 0, completed, nil
}

// CreatePartition implements api.Backend.
func (p *Proxy) CreatePartition(ctx context.Context, coll, part string) error {
	if part == "" || strings.HasPrefix(part, "_") && part != segment.DefaultPartion {
		return fmt.Errorf("%w: invalid partition name %q", coordinator.ErrInvalid, part)
	}
	return p.coord.CreatePartition(ctx, qualify(ctx, coll), part)
}

// DropPartition implements api.Backend. Rows go first, then the metadata, so
// a crash in between leaves an empty partition, never orphaned rows.
func (p *Proxy) DropPartition(ctx context.Context, coll, part string) error {
	c, err := p.coord.Collection(qualify(ctx, coll))
	if err != nil {
		return err
	}
	pt, ok := c.Partition(part)
	if !ok {
		return fmt.Errorf("%w: %q in %q", coordinator.ErrPartitionNotFound, part, coll)
	}
	if c.NumPartitions > 0 { // checked before any row goes
		return fmt.Errorf("%w: %q has a partition key: its partitions follow the key and cannot be dropped", coordinator.ErrInvalid, coll)
	}
	if part == segment.DefaultPartion {
		return fmt.Errorf("%w: the _default partition cannot be dropped", coordinator.ErrInvalid)
	}
	err = scatterWrite(c.ShardsNum, func(i int) (bool, error) {
		_, _, err := p.host.Propose(ctx, c, i, &fsm.Command{Kind: fsm.KindDropPartition, Partition: pt.ID})
		return true, err
	})
	if err != nil {
		return err
	}
	_, err = p.coord.DropPartition(ctx, c.QualifiedName(), part)
	return err
}

func checkIndex(ix coordinator.Index) error {
	if shards.ScalarIndex(ix) {
		return nil
	}
	switch strings.ToUpper(ix.IndexType) {
	case "FLAT", "HNSW", "IVF_FLAT", "AUTOINDEX", "SPARSE_INVERTED_INDEX", "BIN_FLAT", "BIN_IVF_FLAT", "":
	default:
		return fmt.Errorf("%w: index type %q is not supported (FLAT, HNSW, IVF_FLAT, AUTOINDEX, SPARSE_INVERTED_INDEX)", coordinator.ErrInvalid, ix.IndexType)
	}
	if _, err := index.ParseMetric(ix.MetricType); err != nil {
		return fmt.Errorf("%w: %w", coordinator.ErrInvalid, err)
	}
	return nil
}

// CreateIndex implements api.Backend.
func (p *Proxy) CreateIndex(ctx context.Context, coll string, ix coordinator.Index) error {
	if err := checkIndex(ix); err != nil {
		return err
	}
	return p.coord.CreateIndex(ctx, qualify(ctx, coll), ix)
}

// DropIndex implements api.Backend.
func (p *Proxy) DropIndex(ctx context.Context, coll, name string) error {
	return p.coord.DropIndex(ctx, qualify(ctx, coll), name)
}

// IndexProgress implements api.Backend. FLAT is served by exact search,
// so it covers every row; HNSW/AUTOINDEX/IVF_FLAT cover the rows of flushed
// segments whose index file an index builder has written (growing and
// unindexed segments are searched exactly meanwhile).
func (p *Proxy) IndexProgress(ctx context.Context, coll, name string) (int64, int64, string, string, error) {
	c, err := p.coord.Collection(qualify(ctx, coll))
	if err != nil {
		return 0, 0, "", "", err
	}
	i := slices.IndexFunc(c.Indexes, func(ix coordinator.Index) bool { return ix.Name == name || ix.FieldName == name })
	if i < 0 {
		return 0, 0, "", "", fmt.Errorf("%w: %q in %q", coordinator.ErrIndexNotFound, name, coll)
	}
	segs, err := p.segmentsOf(ctx, c)
	if err != nil {
		return 0, 0, "", "", err
	}
	var total, indexed int64
	pending := false
	for _, s := range segs {
		total += s.Rows - s.Deleted
		switch {
		case s.IndexFileOf(c.Indexes[i].BuildName()) != "" || !shards.BuiltPerSegment(c.Indexes[i]):
			indexed += s.Rows - s.Deleted
		case s.State == segment.Flushed.String():
			pending = true // an index build is due
		}
	}
	if pending {
		return total, indexed, "InProgress", "", nil
	}
	return total, indexed, "Finished", "", nil // growing rows are indexed once flushed
}

// IndexLag implements api.Backend.
func (p *Proxy) IndexLag(ctx context.Context, coll string) (shards.IndexLag, error) {
	c, err := p.coord.Collection(qualify(ctx, coll))
	if err != nil {
		return shards.IndexLag{}, err
	}
	return p.host.CollectionIndexLag(ctx, c), nil
}

// CreateAlias implements api.Backend.
func (p *Proxy) CreateAlias(ctx context.Context, alias, coll string) error {
	return p.coord.CreateAlias(ctx, qualify(ctx, alias), qualify(ctx, coll))
}

// AlterAlias implements api.Backend.
func (p *Proxy) AlterAlias(ctx context.Context, alias, coll string) error {
	return p.coord.AlterAlias(ctx, qualify(ctx, alias), qualify(ctx, coll))
}

// DropAlias implements api.Backend.
func (p *Proxy) DropAlias(ctx context.Context, alias string) error {
	return p.coord.DropAlias(ctx, qualify(ctx, alias))
}

// DescribeAlias implements api.Backend.
func (p *Proxy) DescribeAlias(ctx context.Context, alias string) (string, error) {
	return p.coord.Alias(ctx, qualify(ctx, alias))
}

// ListAliases implements api.Backend.
func (p *Proxy) ListAliases(ctx context.Context, coll string) ([]string, error) {
	if coll != "" {
		c, err := p.coord.Collection(qualify(ctx, coll))
		if err != nil {
			return nil, err
		}
		coll = c.Name
	}
	return p.coord.Aliases(ctx, Database(ctx), coll)
}

// AllocIDs implements api.Backend.
func (p *Proxy) AllocIDs(ctx context.Context, n int) (int64, error) { return p.coord.AllocIDs(ctx, n) }
