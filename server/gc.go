package server

import (
	"context"
	"time"

	"github.com/raftvec/raftvec/storage"
)

// watchGarbage runs on every node but acts only on the metadata leader: it
// deletes the objects of dropped collections once they are older than the
// GC tolerance. (Objects of live collections are collected by their shard
// leaders.)
func (s *Server) watchGarbage(ctx context.Context) {
	lc := s.cfg.Lifecycle
	if lc.GCTolerance <= 0 || lc.GCInterval <= 0 {
		return
	}
	t := time.NewTicker(lc.GCInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if s.coord.Node().IsLeader() {
				if err := s.collectDropped(ctx, now); err != nil {
					s.logger.Warn("gc of dropped collections", "error", err)
				}
			}
		}
	}
}

func (s *Server) collectDropped(ctx context.Context, now time.Time) error {
	if err := s.coord.Sync(ctx); err != nil {
		return err
	}
	live := map[int64]bool{}
	for _, c := range s.coord.Collections() {
		live[c.ID] = true
	}
	for _, dir := range []string{"insert_log/", "delta_log/", "index_files/"} {
		objs, err := s.store.List(ctx, dir)
		if err != nil {
			return err
		}
		for _, o := range objs {
			coll, ok := collectionOfKey(o.Key)
			if !ok || live[coll] || now.Sub(o.ModTime) < s.cfg.Lifecycle.GCTolerance {
				continue
			}
			if err := s.store.Delete(ctx, o.Key); err != nil {
				return err
			}
		}
	}
	return nil
}

func collectionOfKey(key string) (int64, bool) {
	if id, err := storage.ParseInsertLogKey("", key); err == nil {
		return id.Collection, true
	}
	if id, err := storage.ParseDeltaLogKey("", key); err == nil {
		return id.Collection, true
	}
	if id, err := storage.ParseIndexFileKey("", key); err == nil {
		return id.Segment >> 32, true // segment IDs start with their collection's
	}
	return 0, false
}
