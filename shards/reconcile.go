package shards

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/raftvec/raftvec/coordinator"
)

// view returns the node's metadata view, or nil without a coordinator.
func (h *Host) view() *coordinator.View {
	if h.cfg.View == nil {
		return nil
	}
	return h.cfg.View()
}

// Reconcile makes the hosted replicas match the metadata: it opens the
// replicas placed on this node, and closes and deletes the replicas (and
// directories left by a crash) whose collection was dropped or whose shard
// is placed elsewhere.
//
// Data is deleted only on an applied decision: the metadata view is read
// while h.mu is held, after every replica that was opened so far, so a
// shard opened concurrently (its collection created after an older view
// was read) is never taken for a dropped one; a collection absent from the
// view is dropped only if its ID is below the view's NextID (IDs are never
// reused). A replica is closed before its directory is removed, and cannot
// be opened again while that happens.
func (h *Host) Reconcile() error {
	h.reconcileMu.Lock()
	defer h.reconcileMu.Unlock()
	if v := h.view(); v != nil {
		if err := h.ensureAll(v.Collections()); err != nil {
			return err
		}
		h.wakeChanged(v)
	}
	stale := h.takeStale()
	for _, r := range stale {
		r.stop()
		<-r.done
		if err := r.node.Close(); err != nil {
			h.cfg.Logger.Warn("closing dropped shard", "shard", r.Name, "error", err)
		}
	}
	return h.removeStaleDirs(stale)
}

// openWorkers is how many groups Reconcile opens at once (a restart with
// many collections is bound by each group's log and snapshot reads).
const openWorkers = 8

// ensureAll opens the replicas of every collection placed on this node,
// openWorkers at a time; it returns the first error other than
// ErrNotHosted.
func (h *Host) ensureAll(colls []*coordinator.Collection) error {
	work := make(chan *coordinator.Collection)
	errs := make(chan error, openWorkers)
	var wg sync.WaitGroup
	for w := 0; w < openWorkers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var first error
			for c := range work {
				// Not hostable (dropped since the view was listed, being
				// removed, host closing) is no failure: nothing to open.
				if err := h.Ensure(c); err != nil && !errors.Is(err, ErrNotHosted) && first == nil {
					first = err
				}
			}
			errs <- first
		}()
	}
	for _, c := range colls {
		work <- c
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// wakeChanged wakes the loops of replicas whose collection's metadata
// changed since the last Reconcile (placement, indexes), so they act on it
// at once. Collections are compared by pointer (copy on write).
func (h *Host) wakeChanged(v *coordinator.View) {
	seen := make(map[int64]*coordinator.Collection, len(v.Collections()))
	for _, c := range v.Collections() {
		seen[c.ID] = c
	}
	for _, r := range h.Replicas() {
		if c := seen[r.CollectionID]; c != h.seen[r.CollectionID] {
			r.wake()
		}
	}
	h.seen = seen
}

// takeStale removes from the open set every replica the current view says
// must go, and marks them as being removed.
func (h *Host) takeStale() []*Replica {
	h.mu.Lock()
	defer h.mu.Unlock()
	v := h.view()
	if v == nil {
		return nil
	}
	var stale []*Replica
	for name, r := range h.mu.replicas {
		if h.goneLocked(v, r.CollectionID, r.Shard) {
			stale = append(stale, r)
			delete(h.mu.replicas, name)
			h.mu.removing[name] = true
		}
	}
	return stale
}

// goneLocked reports whether the view says this node must not hold shard i
// of collection collID: the collection was dropped, or the shard is placed
// on other nodes.
func (h *Host) goneLocked(v *coordinator.View, collID int64, i int) bool {
	if v.Dropped(collID) {
		return true
	}
	c, ok := v.ByID(collID)
	return ok && i < len(c.Shards) && !h.Hosts(c, i)
}

// removeStaleDirs deletes the directories of the replicas just closed and
// of groups left on disk that the view says are gone; it holds h.mu so no
// replica can be opened meanwhile.
func (h *Host) removeStaleDirs(closed []*Replica) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	defer func() {
		for _, r := range closed {
			delete(h.mu.removing, r.Name)
		}
	}()
	v := h.view()
	if v == nil {
		return nil
	}
	entries, err := os.ReadDir(h.cfg.Dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("shards: listing %s: %w", h.cfg.Dir, err)
	}
	for _, e := range entries {
		collID, i, ok := parseGroupName(e.Name())
		if !e.IsDir() || !ok || h.mu.replicas[e.Name()] != nil || h.mu.opening[e.Name()] != nil || !h.goneLocked(v, collID, i) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(h.cfg.Dir, e.Name())); err != nil {
			return fmt.Errorf("shards: removing data of %s: %w", e.Name(), err)
		}
		delete(h.mu.sleeping, e.Name())
		h.cfg.Logger.Info("removed the data of a dropped or moved shard", "shard", e.Name())
	}
	return nil
}

// parseGroupName is the inverse of GroupName.
func parseGroupName(name string) (collID int64, shard int, ok bool) {
	rest, found := strings.CutPrefix(name, "shard-")
	if !found {
		return 0, 0, false
	}
	a, b, found := strings.Cut(rest, "-")
	if !found {
		return 0, 0, false
	}
	id, err1 := strconv.ParseInt(a, 10, 64)
	i, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || id < 0 || i < 0 {
		return 0, 0, false
	}
	return id, i, true
}
