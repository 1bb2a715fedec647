package shards

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	hraft "github.com/hashicorp/raft"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/fsm"
	"github.com/raftvec/raftvec/raft"
	"github.com/raftvec/raftvec/rpc"
	"github.com/raftvec/raftvec/telemetry"
)

// Config configures the shard replicas a node hosts.
type Config struct {
	// Dir holds one sub-directory per shard group.
	Dir string
	// Raft is the template for every shard group (ID, timeouts, snapshot
	// thresholds); Group, Dir and Logger are set per shard.
	Raft   raft.Config
	Logger hclog.Logger
	// Resolve returns the Raft address of a node ID (from the coordinator's
	// registry); used to bootstrap shard groups with their initial voters.
	Resolve func(nodeID string) string
	// Placement returns the current placement of a shard (nil in tests
	// without a coordinator: membership is then left alone).
	Placement func(collID int64, shard int) (coordinator.ShardPlacement, bool)
	// View returns this node's current metadata view. Reconcile deletes a
	// replica's data only when the view says its collection was dropped or
	// its shard is placed elsewhere. Nil: Reconcile only opens replicas.
	View func() *coordinator.View
	// StalenessBound is how old the last applied leader tick may be for a
	// Bounded read to be served without a read index (default 5 s).
	StalenessBound time.Duration
	// TickInterval is how often an idle shard leader appends a time tick
	// (default 1 s).
	TickInterval time.Duration
	// Lifecycle configures chunk flushing and sealing.
	Lifecycle Lifecycle
	// SubmitTask hands a compaction plan to the coordinator (nil: shard
	// leaders merge in their own log).
	SubmitTask func(ctx context.Context, t coordinator.Task) (int64, error)
	// Indexes returns a collection's indexes (nil: no index builds).
	Indexes func(collID int64) []coordinator.Index
	// HibernateAfter is how long a shard group must go without writes and
	// reads before its leader puts it to sleep on every replica (closed,
	// woken by the next request; see hibernate.go). 0 disables it.
	HibernateAfter time.Duration
	// Preload: this node has the query role, so its replicas of loaded
	// collections load their sealed segments' index files ahead of the
	// first search (load progress counts them). A node without it (a data
	// or index node) loads sealed data only for a read that reaches it.
	Preload bool
	// Interim: this node serves reads (the query role), so its replicas
	// index growing rows as they arrive (interim.go). Off, a search scans
	// growing segments.
	Interim bool
	// ReadMetrics times the reads this node's replicas serve (nil: not
	// timed).
	ReadMetrics *telemetry.Reads
	// UnsafeStrongReads deliberately breaks Strong reads: a replica serves
	// them from its local state without a read index. It exists only so
	// that the Jepsen suite can prove its checkers fail (server flag
	// --test-unsafe-strong-reads); never set it otherwise.
	UnsafeStrongReads bool
}

// Host owns the shard replicas of one node: it opens, looks up and removes
// them. In standalone mode every shard is a one-voter group.
type Host struct {
	cfg    Config
	mux    *raft.Mux
	client *rpc.Client
	ctx    context.Context // cancelled by Close: stops every replica loop
	cancel context.CancelFunc
	wg     sync.WaitGroup
	reads  readTracker // reads served here: counters, cancellation of remote reads
	// suspects are nodes whose reads recently failed to answer: tried last.
	suspects suspects

	// reconcileMu serializes Reconcile calls and guards seen, the
	// collections of the last view Reconcile acted on.
	reconcileMu sync.Mutex
	seen        map[int64]*coordinator.Collection
	// indexFiles is the node's shared listing of index files for GC.
	indexFiles indexListing

	mu struct {
		sync.Mutex
		replicas map[string]*Replica // by group name
		// removing holds groups being closed and deleted by Reconcile:
		// they cannot be opened again until their data is gone.
		removing map[string]bool
		// opening holds groups being opened; the channel closes when done.
		opening map[string]chan struct{}
		// sleeping holds the groups placed here that are asleep (closed
		// by hibernation): Reconcile leaves them closed.
		sleeping map[string]*sleeper
		closed   bool
	}
}

// NewHost returns a host with no replicas. client (nil in single-node
// tests) forwards proposals and reads to other nodes.
func NewHost(cfg Config, mux *raft.Mux, client *rpc.Client) *Host {
	if cfg.StalenessBound <= 0 {
		cfg.StalenessBound = 5 * time.Second
	}
	if cfg.TickInterval <= 0 {
		cfg.TickInterval = time.Second
	}
	lc := &cfg.Lifecycle
	lc.ChunkSize = cmpOr(lc.ChunkSize, 16<<20)
	lc.SealSize = cmpOr(lc.SealSize, 122<<20)
	lc.MaxBacklog = cmpOr(lc.MaxBacklog, 1<<30)
	lc.MaxSegmentSize = cmpOr(lc.MaxSegmentSize, 1<<30)
	if lc.CompactionRatio <= 0 {
		lc.CompactionRatio = 0.2
	}
	if lc.GCInterval <= 0 {
		lc.GCInterval = time.Minute
	}
	h := &Host{cfg: cfg, mux: mux, client: client}
	h.reads.metrics = cfg.ReadMetrics
	h.ctx, h.cancel = context.WithCancel(context.Background())
	h.mu.replicas = map[string]*Replica{}
	h.mu.removing = map[string]bool{}
	h.mu.opening = map[string]chan struct{}{}
	h.mu.sleeping = map[string]*sleeper{}
	if cfg.Interim {
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			h.interimLoop(h.ctx)
		}()
	}
	h.loadSleepers()
	if mux != nil {
		mux.OnMissing(h.knock)
	}
	return h
}

// Lifecycle returns the host's lifecycle settings (defaults filled in).
func (h *Host) Lifecycle() Lifecycle { return h.cfg.Lifecycle }

// byName returns an open replica by group name, or nil.
func (h *Host) byName(name string) *Replica {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.mu.replicas[name]
}

// GroupName is the Raft group name of shard i of a collection.
func GroupName(collID int64, shard int) string { return fmt.Sprintf("shard-%d-%d", collID, shard) }

// SegmentBase makes segment IDs unique across the shards of a cluster: the
// IDs of shard i of a collection (and its compaction outputs) start here.
func SegmentBase(collID int64, shard int) int64 { return collID<<32 | int64(shard)<<24 }

// NodeID returns this node's ID.
func (h *Host) NodeID() string { return h.cfg.Raft.ID }

// Hosts reports whether this node holds a replica of shard i of c (a
// voter or a query replica).
func (h *Host) Hosts(c *coordinator.Collection, i int) bool {
	return i < len(c.Shards) && (slices.Contains(c.Shards[i].Replicas, h.cfg.Raft.ID) || slices.Contains(c.Shards[i].Queries, h.cfg.Raft.ID))
}

// Ensure opens (creating if needed) every replica of c placed on this node.
func (h *Host) Ensure(c *coordinator.Collection) error {
	for i := 0; i < c.ShardsNum; i++ {
		if !h.Hosts(c, i) || h.stillAsleep(GroupName(c.ID, i), c) {
			continue
		}
		if _, err := h.open(c, i, openEnsure); err != nil {
			return err
		}
	}
	return nil
}

// bootstrapPeers returns the initial voters of shard i if this node is one
// of them (it then bootstraps the group when it has no state), else nil.
func (h *Host) bootstrapPeers(c *coordinator.Collection, i int) []hraft.Server {
	sp := c.Shards[i]
	if !slices.Contains(sp.Initial, h.cfg.Raft.ID) {
		return nil
	}
	peers := make([]hraft.Server, 0, len(sp.Initial))
	for _, id := range sp.Initial {
		addr := h.mux.Addr().String()
		if h.cfg.Resolve != nil && id != h.cfg.Raft.ID {
			addr = h.cfg.Resolve(id)
		}
		peers = append(peers, hraft.Server{ID: hraft.ServerID(id), Address: hraft.ServerAddress(addr), Suffrage: hraft.Voter})
	}
	return peers
}

// bootstrapDelay is how long a non-preferred initial voter of a new shard
// group waits for the preferred one to form it before bootstrapping it
// itself: a few election timeouts.
func (h *Host) bootstrapDelay() time.Duration {
	return 5 * cmp.Or(h.cfg.Raft.ElectionTimeout, time.Second)
}

// lateBootstrap bootstraps r's group with the initial voters if the
// preferred replica has not formed it in time (r has no Raft state yet).
// This is what every initial voter used to do at once: the same
// configuration on each, so it is safe whenever it happens.
func (h *Host) lateBootstrap(r *Replica, now time.Time) {
	if r.bootstrap == nil || now.Sub(r.opened) < h.bootstrapDelay() {
		return
	}
	peers := r.bootstrap
	r.bootstrap = nil // one attempt: the group forms or this node has state by now
	if r.node.HasState() {
		return
	}
	h.cfg.Logger.Info("the preferred replica did not form the group; bootstrapping it", "shard", r.Name)
	if err := r.node.Bootstrap(peers); err != nil && !errors.Is(err, hraft.ErrCantBootstrap) {
		h.cfg.Logger.Warn("bootstrapping shard group", "shard", r.Name, "error", err)
	}
}

// open returns the replica of shard i of c, opening its Raft group if
// needed. Groups open in parallel (h.mu is not held while a group's log and
// snapshot are read); a second caller for the same group waits for the
// first. A group that is asleep is woken (openEnsure: only if its metadata
// changed); with openRequest its peers are asked to open theirs too. With
// openEnsure the replica returned may be nil (the group stays asleep).
func (h *Host) open(c *coordinator.Collection, i int, mode openMode) (*Replica, error) {
	name := GroupName(c.ID, i)
	h.mu.Lock()
	for {
		if r, ok := h.mu.replicas[name]; ok {
			h.mu.Unlock()
			return r, nil
		}
		ch, busy := h.mu.opening[name]
		if !busy {
			break
		}
		h.mu.Unlock()
		<-ch
		h.mu.Lock()
	}
	if err := h.openableLocked(name, c.ID); err != nil {
		h.mu.Unlock()
		return nil, err
	}
	sl, asleep := h.mu.sleeping[name]
	if asleep && mode == openEnsure && sl.sameMeta(c) {
		// It went to sleep while this reconcile waited for it to close.
		h.mu.Unlock()
		return nil, nil
	}
	ch := make(chan struct{})
	h.mu.opening[name] = ch
	delete(h.mu.sleeping, name)
	h.mu.Unlock()

	r, err := h.openReplica(c, i, name, sl)
	if err == nil && asleep && mode == openRequest {
		defer h.wakePeers(r, c) // after the replica is registered: peers may call back
	}

	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.mu.opening, name)
	close(ch)
	if err == nil && h.mu.closed {
		_ = r.node.Close()
		err = fmt.Errorf("%w: %s: the host is closed", ErrNotHosted, name)
	}
	if err != nil {
		return nil, err
	}
	h.mu.replicas[name] = r
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		defer close(r.done)
		defer r.indexes.close()
		h.run(r)
	}()
	return r, nil
}

// openableLocked refuses groups being removed, of dropped collections, or
// on a closed host.
func (h *Host) openableLocked(name string, collID int64) error {
	switch {
	case h.mu.closed:
		return fmt.Errorf("%w: %s: the host is closed", ErrNotHosted, name)
	case h.mu.removing[name]:
		return fmt.Errorf("%w: %s is being removed", ErrNotHosted, name)
	}
	if v := h.view(); v != nil && v.Dropped(collID) {
		return fmt.Errorf("%w: %s belongs to a dropped collection", ErrNotHosted, name)
	}
	return nil
}

// openReplica opens the Raft group of a replica (no lock held).
func (h *Host) openReplica(c *coordinator.Collection, i int, name string, asleep *sleeper) (*Replica, error) {
	if asleep != nil {
		if err := h.wakeMarker(name); err != nil {
			return nil, err
		}
	}
	c = c.Clone() // the replica keeps its schema; views are shared
	schema := c.Schema
	f := fsm.NewShard(&schema, SegmentBase(c.ID, i))
	f.SetLoader(h.Loader())
	rc := h.cfg.Raft
	rc.Group = name
	rc.Dir = filepath.Join(h.cfg.Dir, name)
	rc.Logger = h.cfg.Logger.Named(name)
	// Only the preferred replica (the first initial voter) bootstraps a new
	// group at once, so it is the only one that can start the first
	// election (a member without a configuration never campaigns, but
	// votes): the group's first leader is the one placement wants, and no
	// leadership transfer follows the collection's creation. The other
	// initial voters bootstrap the same configuration only if the group
	// has not formed within bootstrapDelay (the preferred node is down).
	peers := h.bootstrapPeers(c, i)
	preferred := peers != nil && c.Shards[i].Initial[0] == h.cfg.Raft.ID
	rc.Peers, rc.Bootstrap = peers, preferred
	n, err := raft.Open(rc, f, h.mux)
	if err != nil {
		return nil, fmt.Errorf("shards: opening %s: %w", name, err)
	}
	r := &Replica{Name: name, CollectionID: c.ID, Shard: i, node: n, fsm: f, client: h.client, bound: h.cfg.StalenessBound, unsafeStrong: h.cfg.UnsafeStrongReads,
		query: slices.Contains(c.Shards[i].Queries, h.cfg.Raft.ID), maxBacklog: h.cfg.Lifecycle.MaxBacklog, loader: h.Loader(), files: h.indexSource(), mapper: h.indexSource().mapper(), opened: time.Now()}
	if !preferred && !n.HasState() {
		r.bootstrap = peers
	}
	r.lastData.Store(time.Now().UnixMilli())
	if asleep != nil && asleep.lastData > 0 {
		r.lastData.Store(asleep.lastData)
	}
	r.reads = &h.reads
	r.segmentIndexes = func() []string { return h.segmentIndexNames(c.ID) }
	r.loopCtx, r.stop = context.WithCancel(h.ctx)
	r.done = make(chan struct{})
	r.wakeCh = make(chan struct{}, 1)
	r.sleepCh = make(chan sleepReq)
	return r, nil
}

// Replica returns this node's replica of shard i of a collection, opening
// it if needed; ErrNotHosted if the shard is placed elsewhere.
func (h *Host) Replica(c *coordinator.Collection, i int) (*Replica, error) {
	h.mu.Lock()
	r, ok := h.mu.replicas[GroupName(c.ID, i)]
	h.mu.Unlock()
	if ok {
		return r, nil
	}
	if !h.Hosts(c, i) {
		return nil, fmt.Errorf("%w: %s", ErrNotHosted, GroupName(c.ID, i))
	}
	return h.open(c, i, openRequest)
}

// Replicas returns every open replica, sorted by name.
func (h *Host) Replicas() []*Replica {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]*Replica, 0, len(h.mu.replicas))
	for _, r := range h.mu.replicas {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Close stops every replica loop and closes every replica.
func (h *Host) Close() error {
	h.mu.Lock()
	h.mu.closed = true
	h.mu.Unlock()
	h.cancel()
	h.wg.Wait()
	h.mu.Lock()
	defer h.mu.Unlock()
	var first error
	for name, r := range h.mu.replicas {
		if err := r.node.Close(); err != nil && first == nil {
			first = err
		}
		delete(h.mu.replicas, name)
	}
	return first
}

// TransferLeadership hands off leadership of every group this node leads
// (graceful shutdown). Errors are ignored: a lone voter has no one to hand
// over to.
func (h *Host) TransferLeadership(ctx context.Context) {
	for _, r := range h.Replicas() {
		if r.node.IsLeader() {
			_ = r.transferLeadership(ctx, "", "")
		}
	}
}

func cmpOr(v, def int64) int64 {
	if v <= 0 {
		return def
	}
	return v
}
