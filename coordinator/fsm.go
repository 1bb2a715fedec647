package coordinator

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	hraft "github.com/hashicorp/raft"

	"github.com/raftvec/raftvec/segment"
)

// op names of metadata commands.
const (
	opCreateCollection = "create_collection"
	opDropCollection   = "drop_collection"
	opRenameCollection = "rename_collection"
	opSetLoaded        = "set_loaded"
	opCreatePartition  = "create_partition"
	opDropPartition    = "drop_partition"
	opCreateIndex      = "create_index"
	opDropIndex        = "drop_index"
	opCreateAlias      = "create_alias"
	opAlterAlias       = "alter_alias"
	opDropAlias        = "drop_alias"
	opAllocIDs         = "alloc_ids"
	opSetNode          = "set_node"
	opCreateTask       = "create_task"
	opFinishTask       = "finish_task"
	opCreateDatabase   = "create_database"
	opDropDatabase     = "drop_database"
	opAlterDatabase    = "alter_database"
)

// command is a metadata log entry. Metadata is small, so it is JSON.
type command struct {
	Op         string        `json:"op"`
	Name       string        `json:"name,omitempty"`
	NewName    string        `json:"new_name,omitempty"`
	Partition  string        `json:"partition,omitempty"`
	Collection *Collection   `json:"collection,omitempty"`
	Index      *Index        `json:"index,omitempty"`
	Loaded     bool          `json:"loaded,omitempty"`
	N          int64         `json:"n,omitempty"`
	Node       *NodeInfo     `json:"node,omitempty"`
	Task       *Task         `json:"task,omitempty"`
	DB         *dbChange     `json:"db,omitempty"`     // database commands
	Import     *importChange `json:"import,omitempty"` // import-job commands (jobs.go)
	Props      *propChange   `json:"props,omitempty"`  // alter_properties (properties.go)
	Access     *AccessChange `json:"access,omitempty"` // users and roles (access.go)
}

// result is what Apply returns for a metadata entry.
type result struct {
	ID  int64 // new collection ID, or first allocated auto ID
	Err error
}

// metaState is the metadata group's replicated state. JSON encoding of it is
// deterministic (struct fields in order, map keys sorted).
type metaState struct {
	Collections map[string]*Collection `json:"collections"`
	Aliases     map[string]string      `json:"aliases"`
	Nodes       map[string]*NodeInfo   `json:"nodes"`
	Tasks       map[int64]*Task        `json:"tasks"`
	NextID      int64                  `json:"next_id"`
	NextAutoID  int64                  `json:"next_auto_id"`
	// Databases are the databases but the default one, which is stored
	// only once altered (databases.go); absent from states written before
	// databases existed.
	Databases map[string]*Database `json:"databases,omitempty"`
	// Imports are the bulk-import jobs (jobs.go); absent from states
	// written before imports existed.
	Imports map[int64]*ImportJob `json:"imports,omitempty"`
	// Access is the users and roles (access.go), replaced as a whole by
	// every change; absent (nil: no stored user or role) from states
	// written before users existed.
	Access *Access `json:"access,omitempty"`
}

// autoIDBase is the first auto ID handed out.
const autoIDBase = 1 << 40

func newMetaState() metaState {
	return metaState{Collections: map[string]*Collection{}, Aliases: map[string]string{}, Nodes: map[string]*NodeInfo{}, Tasks: map[int64]*Task{}, NextID: 1, NextAutoID: autoIDBase, Databases: map[string]*Database{}}
}

// metaFSM is the deterministic state machine of the metadata group.
type metaFSM struct {
	mu struct {
		sync.RWMutex
		metaState
		// applied is the log index of the last command applied; not part
		// of the state (0 after Restore until the next command).
		applied uint64
	}
	// onChange is called after every applied change, outside the lock. It
	// must not block.
	onChange func()
	// gen counts applied commands and restores (changed under mu's write
	// lock); views carries the latest View built.
	gen   atomic.Uint64
	views viewCache
}

func newMetaFSM(onChange func()) *metaFSM {
	m := &metaFSM{onChange: onChange}
	m.mu.metaState = newMetaState()
	return m
}

// Apply implements hraft.FSM.
func (m *metaFSM) Apply(l *hraft.Log) any {
	if l.Type != hraft.LogCommand {
		return result{}
	}
	var c command
	if err := unmarshalExact(l.Data, &c); err != nil {
		m.mu.Lock()
		m.mu.applied = l.Index
		m.mu.Unlock()
		return result{Err: fmt.Errorf("%w: bad metadata entry: %v", ErrInvalid, err)}
	}
	m.mu.Lock()
	m.mu.applied = l.Index
	r := m.applyLocked(&c)
	m.gen.Add(1)
	m.mu.Unlock()
	if r.Err == nil && c.Op != opAllocIDs && m.onChange != nil {
		m.onChange()
	}
	return r
}

// hashAt returns the index of the last applied command and a SHA-256 of
// the state's (deterministic) JSON encoding, read atomically: members at
// the same index must agree (the Jepsen suite's end check).
func (m *metaFSM) hashAt() (uint64, string, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	b, err := json.Marshal(&m.mu.metaState)
	if err != nil {
		return 0, "", fmt.Errorf("coordinator: encoding state: %w", err)
	}
	h := sha256.Sum256(b)
	return m.mu.applied, hex.EncodeToString(h[:]), nil
}

// Snapshot implements hraft.FSM.
func (m *metaFSM) Snapshot() (hraft.FSMSnapshot, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	b, err := json.Marshal(&m.mu.metaState)
	if err != nil {
		return nil, fmt.Errorf("coordinator: encoding snapshot: %w", err)
	}
	return &metaSnapshot{data: b}, nil
}

// Restore implements hraft.FSM.
func (m *metaFSM) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	st := newMetaState()
	d := json.NewDecoder(rc)
	d.UseNumber() // exact Int64 defaults; see fixDefaults
	if err := d.Decode(&st); err != nil {
		return fmt.Errorf("coordinator: decoding snapshot: %w", err)
	}
	for _, c := range st.Collections {
		fixDefaults(&c.Schema)
		if err := c.Schema.Validate(); err != nil {
			return fmt.Errorf("coordinator: snapshot: collection %q: %w", c.Name, err)
		}
	}
	m.mu.Lock()
	m.mu.metaState, m.mu.applied = st, 0
	m.gen.Add(1)
	m.mu.Unlock()
	if m.onChange != nil {
		m.onChange()
	}
	return nil
}

type metaSnapshot struct{ data []byte }

func (s *metaSnapshot) Persist(sink hraft.SnapshotSink) error {
	if _, err := sink.Write(s.data); err != nil {
		_ = sink.Cancel()
		return fmt.Errorf("coordinator: writing snapshot: %w", err)
	}
	return sink.Close()
}

func (s *metaSnapshot) Release() {}

// resolveLocked maps the qualified name of a collection or alias to a
// collection; a database that does not exist is ErrDatabaseNotFound.
func (m *metaFSM) resolveLocked(name string) (*Collection, error) {
	if err := m.checkDatabaseLocked(dbOf(name)); err != nil {
		return nil, err
	}
	if c, ok := m.mu.Collections[name]; ok {
		return c, nil
	}
	if target, ok := m.mu.Aliases[name]; ok {
		if c, ok := m.mu.Collections[target]; ok {
			return c, nil
		}
	}
	return nil, fmt.Errorf("%w: %s", ErrCollectionNotFound, quoteName(name))
}

// dbOf is the database of a qualified name.
func dbOf(q string) string {
	db, _ := SplitName(q)
	return db
}

// list returns the names of a database's collections, sorted.
func (m *metaFSM) list(db string) ([]string, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if err := m.checkDatabaseLocked(db); err != nil {
		return nil, err
	}
	return m.collectionsInLocked(db), nil
}

// keys returns the qualified names of every collection, sorted.
func (m *metaFSM) keys() []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.sortedCollectionsLocked()
}

// get returns a deep copy of a collection, resolving aliases.
func (m *metaFSM) get(name string) (*Collection, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	c, err := m.resolveLocked(name)
	if err != nil {
		return nil, err
	}
	return c.clone(), nil
}

// shared returns the stored collection itself, resolving aliases. Stored
// collections are never changed in place (ownLocked copies on write, as
// for Views), so it stays as it is; the caller must not change it.
func (m *metaFSM) shared(name string) (*Collection, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.resolveLocked(name)
}

// Clone returns a deep copy of a collection (for callers that keep or
// change what a View shares).
func (c *Collection) Clone() *Collection { return c.clone() }

// clone deep-copies a collection so callers cannot race with Apply.
func (c *Collection) clone() *Collection {
	b, err := json.Marshal(c)
	if err != nil {
		panic(fmt.Sprintf("coordinator: cloning collection: %v", err))
	}
	out := &Collection{}
	if err := unmarshalExact(b, out); err != nil {
		panic(fmt.Sprintf("coordinator: cloning collection: %v", err))
	}
	fixDefaults(&out.Schema)
	return out
}

// unmarshalExact decodes JSON keeping numbers in `any` fields (default
// values) as json.Number, so Int64 defaults beyond 2^53 survive exactly.
func unmarshalExact(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errors.New("trailing data after JSON value")
	}
	return nil
}

// fixDefaults restores canonical types of default values after a JSON round
// trip: int64 for integer fields, float64 for other numbers.
func fixDefaults(s *segment.Schema) {
	for i := range s.Fields {
		f := &s.Fields[i]
		if x, ok := f.Default.(json.Number); ok {
			if n, err := x.Int64(); err == nil && f.Type.IsInteger() {
				f.Default = n
				continue
			}
			v, _ := x.Float64()
			f.Default = v
		}
		if x, ok := f.Default.(float64); ok && f.Type.IsInteger() {
			f.Default = int64(x)
		}
	}
}
