package builder

import (
	"context"
	"errors"
	"runtime/debug"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/fsm"
	"github.com/raftvec/raftvec/segment"
	"github.com/raftvec/raftvec/shards"
)

// Router reaches a collection's shards from this node: reads of their
// segment lists and proposals to their logs (shards.Host).
type Router interface {
	Segments(ctx context.Context, c *coordinator.Collection, i int, level string) ([]shards.SegmentInfo, error)
	Propose(ctx context.Context, c *coordinator.Collection, i int, cmd *fsm.Command) (fsm.Result, uint64, error)
}

// Store is where a worker writes index files and compaction outputs.
type Store interface {
	Put(ctx context.Context, key string, data []byte) error
}

// Config configures a Worker.
type Config struct {
	Router    Router
	Store     Store  // nil: tasks fail as unavailable
	Root      string // object key prefix
	ChunkSize int64  // bytes per chunk of a compaction output
	// Load reads an object (through the node's chunk cache).
	Load segment.Loader
	// Files reads an import file from the object store (nil: imports
	// fail as unavailable); Jobs records import progress.
	Files func(ctx context.Context, key string) ([]byte, error)
	Jobs  Jobs
}

// Worker runs index-build and compaction tasks.
type Worker struct{ cfg Config }

// New returns a worker.
func New(cfg Config) *Worker { return &Worker{cfg: cfg} }

// ErrStaleBuild is returned by RunIndexBuild when the segment already
// records a build of the same index with a newer fencing token: the task
// was reassigned and this builder's late report is not proposed.
var ErrStaleBuild = errors.New("builder: index build superseded by a newer assignment")

// ErrStaleTask is returned by RunCompaction when the task's inputs are
// gone (compacted or dropped meanwhile): nothing was done, and the task is
// over (its caller reports it done).
var ErrStaleTask = errors.New("builder: task inputs are gone")

// Run executes one task of either kind.
func (w *Worker) Run(ctx context.Context, c *coordinator.Collection, t coordinator.Task) error {
	if t.Kind == coordinator.TaskIndex {
		return w.RunIndexBuild(ctx, c, t)
	}
	if t.Kind == coordinator.TaskImport {
		return w.RunImport(ctx, c, t)
	}
	return w.RunCompaction(ctx, c, t)
}

// returnMemory hands the memory of a finished task back to the operating
// system at once: each reads a whole segment and builds a copy of it,
// hundreds of MB the Go runtime would otherwise keep (and RSS show) long
// after the heap shrank. Tasks take seconds, so the forced collection
// costs little in proportion.
func returnMemory() { debug.FreeOSMemory() }
