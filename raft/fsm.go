package raft

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	hraft "github.com/hashicorp/raft"
)

// readBarrierExt marks the internal no-op command that ReadIndex appends to
// commit an entry of the leader's current term. It travels in Log.Extensions
// (persisted and replicated by hraft) and is never passed to the user FSM.
// A plain hraft Barrier is not used because hraft never shows LogBarrier or
// LogNoop entries to the FSM, so their indexes would be invisible to
// WaitApplied.
var readBarrierExt = []byte("raftvec/read-barrier/v1")

// snapshotMagic prefixes every snapshot written by fsmAdapter; it is followed
// by the applied index and term (big endian) and then the user FSM's bytes.
const snapshotMagic uint64 = 0x7261667476656331 // "raftvec1"

const snapshotHeaderLen = 24

// fsmAdapter wraps the user FSM: it records the applied index after every
// Apply / StoreConfiguration / Restore (waking WaitApplied callers) and hides
// the internal read-barrier entries from the user FSM. hraft calls Apply,
// StoreConfiguration, Snapshot and Restore from its single FSM goroutine.
type fsmAdapter struct {
	user    hraft.FSM
	applied *appliedTracker
	stats   *nodeStats // nil in some tests
}

var (
	_ hraft.FSM                = (*fsmAdapter)(nil)
	_ hraft.ConfigurationStore = (*fsmAdapter)(nil)
)

func (a *fsmAdapter) Apply(l *hraft.Log) any {
	var resp any
	if !bytes.Equal(l.Extensions, readBarrierExt) {
		resp = a.user.Apply(l)
	}
	a.applied.set(l.Index, l.Term)
	return resp
}

// StoreConfiguration is invoked by hraft for committed configuration entries;
// it makes their indexes visible to WaitApplied.
func (a *fsmAdapter) StoreConfiguration(index uint64, c hraft.Configuration) {
	if cs, ok := a.user.(hraft.ConfigurationStore); ok {
		cs.StoreConfiguration(index, c)
	}
	_, term := a.applied.get()
	a.applied.set(index, term)
}

func (a *fsmAdapter) Snapshot() (hraft.FSMSnapshot, error) {
	index, term := a.applied.get()
	snap, err := a.user.Snapshot()
	if err != nil {
		return nil, err
	}
	return &adapterSnapshot{index: index, term: term, user: snap, stats: a.stats}, nil
}

func (a *fsmAdapter) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	var hdr [snapshotHeaderLen]byte
	if _, err := io.ReadFull(rc, hdr[:]); err != nil {
		return fmt.Errorf("raft: read snapshot header: %w", err)
	}
	if binary.BigEndian.Uint64(hdr[0:8]) != snapshotMagic {
		return errors.New("raft: snapshot not written by raftvec (bad magic)")
	}
	if err := a.user.Restore(io.NopCloser(rc)); err != nil {
		return err
	}
	a.applied.set(binary.BigEndian.Uint64(hdr[8:16]), binary.BigEndian.Uint64(hdr[16:24]))
	return nil
}

type adapterSnapshot struct {
	index, term uint64
	user        hraft.FSMSnapshot
	stats       *nodeStats
}

func (s *adapterSnapshot) Persist(sink hraft.SnapshotSink) error {
	if s.stats != nil {
		cs := &countingSink{SnapshotSink: sink}
		if err := s.persist(cs); err != nil {
			return err
		}
		s.stats.snapshotPersisted(cs.n)
		return nil
	}
	return s.persist(sink)
}

func (s *adapterSnapshot) persist(sink hraft.SnapshotSink) error {
	var hdr [snapshotHeaderLen]byte
	binary.BigEndian.PutUint64(hdr[0:8], snapshotMagic)
	binary.BigEndian.PutUint64(hdr[8:16], s.index)
	binary.BigEndian.PutUint64(hdr[16:24], s.term)
	if _, err := sink.Write(hdr[:]); err != nil {
		sink.Cancel()
		return fmt.Errorf("raft: write snapshot header: %w", err)
	}
	return s.user.Persist(sink)
}

func (s *adapterSnapshot) Release() { s.user.Release() }
