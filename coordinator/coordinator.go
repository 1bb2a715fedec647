package coordinator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/raftvec/raftvec/raft"
	"github.com/raftvec/raftvec/rpc"
)

// GroupName is the name of the metadata Raft group on the mux.
const GroupName = "meta"

// Coordinator owns the metadata Raft group: collections, schemas,
// partitions, indexes, aliases and ID allocation.
type Coordinator struct {
	node   *raft.Node
	fsm    *metaFSM
	client *rpc.Client
}

// MaxVoters is the number of voters of the metadata group. Every node
// joins as a non-voter (a full copy of the metadata that does not count in
// the quorum) and is promoted once caught up while there are fewer voters.
const MaxVoters = 3

// Open opens the metadata group. onChange is called (without blocking)
// whenever applied metadata changes, so the node can reconcile its shards.
// client forwards proposals and reads to the leader when this node is not
// it.
func Open(cfg raft.Config, mux *raft.Mux, client *rpc.Client, onChange func()) (*Coordinator, error) {
	f := newMetaFSM(onChange)
	n, err := raft.Open(cfg, f, mux)
	if err != nil {
		return nil, fmt.Errorf("coordinator: opening metadata group: %w", err)
	}
	return &Coordinator{node: n, fsm: f, client: client}, nil
}

// Service returns the RPC service to register as ServiceName.
func (c *Coordinator) Service() *Service { return &Service{c: c} }

// Node returns the metadata group's Raft node.
func (c *Coordinator) Node() *raft.Node { return c.node }

// StateHash returns the index of the last metadata command this member
// applied and the hash of its state at that index.
func (c *Coordinator) StateHash() (uint64, string, error) { return c.fsm.hashAt() }

// Close closes the metadata group.
func (c *Coordinator) Close() error { return c.node.Close() }

// propose replicates a metadata command and returns its result, forwarding
// it to the leader when this node is not the leader. On return this node
// has applied the command (read-your-writes for the caller).
func (c *Coordinator) propose(ctx context.Context, cmd command) (result, error) {
	b, err := json.Marshal(cmd)
	if err != nil {
		return result{}, fmt.Errorf("coordinator: encoding command: %w", err)
	}
	var res result
	err = retryNotLeader(ctx, func() error {
		var err error
		if c.node.IsLeader() || c.client == nil {
			res, _, err = c.proposeLocal(ctx, b)
			return err
		}
		var idx uint64
		res, idx, err = c.forward(ctx, b)
		if err == nil || idx > 0 {
			if werr := c.node.WaitApplied(ctx, idx); werr != nil && err == nil {
				err = werr
			}
		}
		return err
	})
	return res, err
}

func (c *Coordinator) proposeLocal(ctx context.Context, b []byte) (result, uint64, error) {
	res, err := c.node.Propose(ctx, b)
	if err != nil {
		return result{}, 0, err
	}
	r, ok := res.Response.(result)
	if !ok {
		return result{}, res.Index, errors.New("coordinator: unexpected apply response")
	}
	return r, res.Index, r.Err
}

func (c *Coordinator) forward(ctx context.Context, b []byte) (result, uint64, error) {
	addr, _ := c.node.LeaderAddr()
	if addr == "" {
		return result{}, 0, fmt.Errorf("coordinator: no metadata leader: %w", raft.ErrNotLeader)
	}
	var reply ProposeReply
	err := decodeErr(c.client.Call(ctx, addr, ServiceName+".Propose", ProposeArgs{Cmd: b}, &reply))
	return result{ID: reply.ID, Err: err}, reply.Index, err
}

// sync waits until this replica has applied everything committed before the
// call (a linearizable read barrier), asking the leader for the read index
// when this node is a follower.
func (c *Coordinator) sync(ctx context.Context) error {
	var idx uint64
	err := retryNotLeader(ctx, func() error {
		var err error
		if c.node.IsLeader() || c.client == nil {
			idx, err = c.node.ReadIndex(ctx)
			return err
		}
		addr, _ := c.node.LeaderAddr()
		if addr == "" {
			return fmt.Errorf("coordinator: no metadata leader: %w", raft.ErrNotLeader)
		}
		var reply IndexReply
		err = decodeErr(c.client.Call(ctx, addr, ServiceName+".ReadIndex", struct{}{}, &reply))
		if errors.Is(err, raft.ErrUnknownOutcome) { // a read has no effect: retry
			err = fmt.Errorf("%w: %v", raft.ErrNotLeader, err)
		}
		idx = reply.Index
		return err
	})
	if err != nil {
		return err
	}
	return c.node.WaitApplied(ctx, idx)
}

// Sync is sync for callers outside the package (startup readiness).
func (c *Coordinator) Sync(ctx context.Context) error { return c.sync(ctx) }

// CreateCollection creates a collection in its database (coll.DB); it
// returns the stored copy with IDs assigned.
func (c *Coordinator) CreateCollection(ctx context.Context, coll *Collection) (*Collection, error) {
	if _, err := c.propose(ctx, command{Op: opCreateCollection, Collection: coll}); err != nil {
		return nil, err
	}
	return c.fsm.get(coll.QualifiedName())
}

// DropCollection drops a collection and its aliases; it returns what was
// dropped. name is qualified (Qualify), as every collection or alias name
// the Coordinator takes.
func (c *Coordinator) DropCollection(ctx context.Context, name string) (*Collection, error) {
	coll, err := c.fsm.get(name)
	if err != nil {
		return nil, err
	}
	if _, err := c.propose(ctx, command{Op: opDropCollection, Name: coll.QualifiedName()}); err != nil {
		return nil, err
	}
	return coll, nil
}

// Collection returns a copy of a collection by name or alias, as of this
// replica's applied state.
func (c *Coordinator) Collection(name string) (*Collection, error) { return c.fsm.get(name) }

// CollectionView returns the current state of a collection (resolving
// aliases) without copying it: read-only, shared with every other caller
// and with Views. A later change replaces it rather than changing it. The
// read paths use it; Collection's deep copy is for callers that modify.
func (c *Coordinator) CollectionView(name string) (*Collection, error) { return c.fsm.shared(name) }

// CollectionViewStrong is CollectionView after a read barrier.
func (c *Coordinator) CollectionViewStrong(ctx context.Context, name string) (*Collection, error) {
	if err := c.sync(ctx); err != nil {
		return nil, err
	}
	return c.fsm.shared(name)
}

// Collections returns copies of every collection of every database, sorted
// by qualified name.
func (c *Coordinator) Collections() []*Collection {
	var out []*Collection
	for _, n := range c.fsm.keys() {
		if coll, err := c.fsm.get(n); err == nil {
			out = append(out, coll)
		}
	}
	return out
}

// ListCollections returns the names of a database's collections after a
// read barrier.
func (c *Coordinator) ListCollections(ctx context.Context, db string) ([]string, error) {
	if err := c.sync(ctx); err != nil {
		return nil, err
	}
	return c.fsm.list(db)
}

// Rename renames a collection; the new qualified name may be in another
// database (a collection with aliases cannot move).
func (c *Coordinator) Rename(ctx context.Context, oldName, newName string) error {
	_, err := c.propose(ctx, command{Op: opRenameCollection, Name: oldName, NewName: newName})
	return err
}

// SetLoaded records the load state of a collection: loading (with
// replicas > 0) sets its query replicas per shard; releasing drops them.
func (c *Coordinator) SetLoaded(ctx context.Context, name string, loaded bool, replicas int) error {
	if replicas < 0 || replicas > 16 {
		return fmt.Errorf("%w: replicaNumber must be between 1 and 16, got %d", ErrInvalid, replicas)
	}
	_, err := c.propose(ctx, command{Op: opSetLoaded, Name: name, Loaded: loaded, N: int64(replicas)})
	return err
}

// CreatePartition adds a partition.
func (c *Coordinator) CreatePartition(ctx context.Context, coll, part string) error {
	_, err := c.propose(ctx, command{Op: opCreatePartition, Name: coll, Partition: part})
	return err
}

// DropPartition removes a partition and returns its ID.
func (c *Coordinator) DropPartition(ctx context.Context, coll, part string) (int64, error) {
	r, err := c.propose(ctx, command{Op: opDropPartition, Name: coll, Partition: part})
	return r.ID, err
}

// CreateIndex records an index on a vector field.
func (c *Coordinator) CreateIndex(ctx context.Context, coll string, ix Index) error {
	_, err := c.propose(ctx, command{Op: opCreateIndex, Name: coll, Index: &ix})
	return err
}

// DropIndex removes an index by name (or field name).
func (c *Coordinator) DropIndex(ctx context.Context, coll, name string) error {
	_, err := c.propose(ctx, command{Op: opDropIndex, Name: coll, NewName: name})
	return err
}

// CreateAlias, AlterAlias and DropAlias manage aliases.
func (c *Coordinator) CreateAlias(ctx context.Context, alias, coll string) error {
	_, err := c.propose(ctx, command{Op: opCreateAlias, Name: alias, NewName: coll})
	return err
}

// AlterAlias points an alias at another collection.
func (c *Coordinator) AlterAlias(ctx context.Context, alias, coll string) error {
	_, err := c.propose(ctx, command{Op: opAlterAlias, Name: alias, NewName: coll})
	return err
}

// DropAlias removes an alias.
func (c *Coordinator) DropAlias(ctx context.Context, alias string) error {
	_, err := c.propose(ctx, command{Op: opDropAlias, Name: alias})
	return err
}

// Alias returns the name of the collection an alias (qualified) points
// to, in the alias's database.
func (c *Coordinator) Alias(ctx context.Context, alias string) (string, error) {
	if err := c.sync(ctx); err != nil {
		return "", err
	}
	c.fsm.mu.RLock()
	defer c.fsm.mu.RUnlock()
	if err := c.fsm.checkDatabaseLocked(dbOf(alias)); err != nil {
		return "", err
	}
	t, ok := c.fsm.mu.Aliases[alias]
	if !ok {
		return "", fmt.Errorf("%w: %s", ErrAliasNotFound, quoteName(alias))
	}
	_, name := SplitName(t)
	return name, nil
}

// Aliases lists the aliases of a database (of its collection coll when
// coll != ""), sorted.
func (c *Coordinator) Aliases(ctx context.Context, db, coll string) ([]string, error) {
	if err := c.sync(ctx); err != nil {
		return nil, err
	}
	c.fsm.mu.RLock()
	defer c.fsm.mu.RUnlock()
	if err := c.fsm.checkDatabaseLocked(db); err != nil {
		return nil, err
	}
	db = NormalizeDatabase(db)
	out := []string{}
	for a, t := range c.fsm.mu.Aliases {
		adb, name := SplitName(a)
		_, target := SplitName(t)
		if adb == db && (coll == "" || target == coll) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out, nil
}

// AllocIDs reserves n consecutive auto IDs and returns the first.
func (c *Coordinator) AllocIDs(ctx context.Context, n int) (int64, error) {
	r, err := c.propose(ctx, command{Op: opAllocIDs, N: int64(n)})
	return r.ID, err
}
