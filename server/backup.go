package server

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/raftvec/raftvec/backup"
	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/fsm"
	"github.com/raftvec/raftvec/proxy"
	"github.com/raftvec/raftvec/segment"
	"github.com/raftvec/raftvec/shards"
	"github.com/raftvec/raftvec/storage"
	"github.com/raftvec/raftvec/storage/local"
	"github.com/raftvec/raftvec/storage/minio"
)

// Backups (package backup has the format): create seals the collection's
// growing segments and waits for them to be flushed (sealAndWait),
// lists each shard's segments at one log index on a replica (a Strong
// read: the leader's read index) with the rows not flushed yet at that
// index as chunk files, copies every object the segments reference into
// the backup store, verifying each against the checksum the shard
// recorded, and writes the manifest last. Restore creates the collection
// under a temporary name, copies the objects into its own key layout,
// commits each segment through its shard's log (fsm.KindRestoreCommit,
// deletion flags and index files included), and renames it to the
// requested name: the name appears only once every row is in.

// backupCopiers is how many objects a backup or restore copies at once.
const backupCopiers = 8

// backupAttempts bounds how often a shard is listed and copied again
// when it changed under the copy (rows not yet flushed, or an object GC
// deleted after a compaction).
const backupAttempts = 5

// restorePrefix names the collection a restore fills before renaming it.
const restorePrefix = "_restore_"

// openBackupStore opens where backups live: on MinIO the configured
// bucket under the backup root (not under this cluster's --minio-root, so
// another cluster on the same bucket finds them); on local storage the
// node's object directory under the backup root.
func openBackupStore(cfg Config) (storage.ObjectStore, error) {
	st := cfg.Storage
	root := strings.Trim(st.BackupRoot, "/")
	if root == "" {
		root = "backups"
	}
	if st.Kind == "local" {
		s, err := local.New(filepath.Join(localObjectsDir(cfg), root))
		if err != nil {
			return nil, fmt.Errorf("server: backup store: %w", err)
		}
		return s, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := minio.New(ctx, minio.Config{Endpoint: st.Endpoint, AccessKey: st.Access, SecretKey: st.Secret,
		Bucket: st.Bucket, Root: root, Secure: st.Secure, MaxRetries: 2})
	if err != nil {
		return nil, fmt.Errorf("server: backup store at %s: %w", st.Endpoint, err)
	}
	return s, nil
}

// BackupSummary is what backup/create and backup/list report of a backup.
type BackupSummary struct {
	Name       string    `json:"backupName"`
	Database   string    `json:"dbName"`
	Collection string    `json:"collectionName"`
	CreatedAt  time.Time `json:"createdAt"`
	Shards     int       `json:"shardsNum"`
	Segments   int       `json:"segments"`
	Rows       int64     `json:"rows"`
	LiveRows   int64     `json:"liveRows"`
	Objects    int       `json:"objects"`
	Bytes      int64     `json:"bytes"`
	Seconds    float64   `json:"seconds,omitempty"` // create: how long it took
	// AppliedIndexes are the shards' log indexes the backup holds.
	AppliedIndexes []uint64 `json:"appliedIndexes"`
}

func summarize(m *backup.Manifest) BackupSummary {
	s := BackupSummary{Name: m.Name, Database: coordinator.NormalizeDatabase(m.Database), Collection: m.Collection, CreatedAt: m.CreatedAt,
		Shards: m.ShardsNum, Rows: m.Rows, LiveRows: m.LiveRows, Objects: m.Objects, Bytes: m.Bytes}
	for _, sh := range m.Shards {
		s.Segments += len(sh.Segments)
		s.AppliedIndexes = append(s.AppliedIndexes, sh.AppliedIndex)
	}
	return s
}

func (a admin) backupStores() (storage.ObjectStore, shards.Lifecycle, error) {
	lc := a.s.host.Lifecycle()
	if a.s.backups == nil || lc.Store == nil {
		return nil, lc, fmt.Errorf("%w: backups need object storage this node flushes to (--storage minio on a cluster)", coordinator.ErrInvalid)
	}
	return a.s.backups, lc, nil
}

// CreateBackup backs up a collection of the context's database.
func (a admin) CreateBackup(ctx context.Context, coll, name string) (any, error) {
	if err := backup.ValidName(name); err != nil {
		return nil, fmt.Errorf("%w: %v", coordinator.ErrInvalid, err)
	}
	bs, lc, err := a.backupStores()
	if err != nil {
		return nil, err
	}
	if _, err := bs.Stat(ctx, backup.ManifestKey(name)); err == nil {
		return nil, fmt.Errorf("%w: backup %q exists; choose another name", coordinator.ErrInvalid, name)
	} else if !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	c, err := a.s.proxy.DescribeCollection(ctx, coll)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	m := manifestOf(c, name, start)
	if err := a.sealAndWait(ctx, c); err != nil {
		return nil, fmt.Errorf("backup %q: flushing %q: %w", name, coll, err)
	}
	for i := 0; i < c.ShardsNum; i++ {
		sh, err := a.backupShard(ctx, bs, lc.Store, c, coll, name, i)
		if err != nil {
			return nil, fmt.Errorf("backup %q of %q: shard %d: %w", name, coll, i, err)
		}
		m.Shards = append(m.Shards, sh)
		for _, g := range sh.Segments {
			m.Rows += g.Rows
			m.LiveRows += g.Rows - g.Deleted
			for _, ch := range g.Chunks {
				for _, f := range ch.Files {
					m.Objects++
					m.Bytes += f.Size
				}
			}
			for _, x := range g.Indexes {
				m.Objects++
				m.Bytes += x.Size
			}
		}
		a.s.logger.Info("backup: shard copied", "backup", name, "collection", coll, "shard", i, "segments", len(sh.Segments),
			"appliedIndex", sh.AppliedIndex, "objects", m.Objects, "bytes", m.Bytes)
	}
	data, err := m.Encode()
	if err != nil {
		return nil, err
	}
	if _, err := backup.Decode(data); err != nil { // never write a manifest a restore would refuse
		return nil, err
	}
	if err := bs.Put(ctx, backup.ManifestKey(name), data); err != nil {
		return nil, fmt.Errorf("backup %q: writing the manifest: %w", name, err)
	}
	s := summarize(m)
	s.Seconds = time.Since(start).Seconds()
	a.s.logger.Info("backup: created", "backup", name, "collection", coll, "rows", m.LiveRows, "objects", m.Objects, "bytes", m.Bytes, "seconds", s.Seconds)
	return s, nil
}

// manifestOf starts a manifest with the collection's metadata.
func manifestOf(c *coordinator.Collection, name string, now time.Time) *backup.Manifest {
	m := &backup.Manifest{Format: backup.Format, Name: name, CreatedAt: now.UTC().Truncate(time.Millisecond),
		Database: c.Database(), Collection: c.Name, CollectionID: c.ID, Schema: c.Schema, ShardsNum: c.ShardsNum,
		Consistency: c.Consistency, NumPartitions: c.NumPartitions, Properties: maps.Clone(c.Properties), Loaded: c.Loaded}
	for _, p := range c.Partitions {
		m.Partitions = append(m.Partitions, backup.Partition{ID: p.ID, Name: p.Name})
	}
	for _, ix := range c.Indexes {
		m.Indexes = append(m.Indexes, backup.Index{Name: ix.Name, BuildName: ix.BuildName(), FieldName: ix.FieldName,
			IndexType: ix.IndexType, MetricType: ix.MetricType, Params: maps.Clone(ix.Params)})
	}
	return m
}

// backupShard lists shard i at one log index and copies its segments,
// again (up to backupAttempts times) while an object is gone (a
// compaction replaced its segment and GC deleted it), or rows not flushed
// came without their tail (a node of an older build: flushed first).
func (a admin) backupShard(ctx context.Context, bs storage.ObjectStore, src shards.ObjectStore, c *coordinator.Collection, coll, name string, i int) (backup.Shard, error) {
	var last error
	for attempt := 0; attempt < backupAttempts; attempt++ {
		segs, err := a.s.host.SegmentsWithTails(ctx, c, i)
		if err != nil {
			return backup.Shard{}, err
		}
		if n := unflushedRows(segs); n > 0 { // a node of a build that sends no tails
			last = fmt.Errorf("%d rows written since the flush are not in object storage yet", n)
			if err := a.sealAndWait(ctx, c); err != nil {
				return backup.Shard{}, err
			}
			continue
		}
		sh, err := copyShard(ctx, bs, src, c, name, i, segs)
		if errors.Is(err, storage.ErrNotFound) {
			last = err
			a.s.logger.Info("backup: shard changed under the copy; listing it again", "backup", name, "shard", i, "error", err)
			continue
		}
		return sh, err
	}
	return backup.Shard{}, fmt.Errorf("%w: the shard kept changing under the backup (%v); retry, or pause writes to the collection", shards.ErrUnavailable, last)
}

// flushWait bounds how long a backup waits for the segments it sealed to
// reach object storage; what is not there by then is copied from the
// replica with the listing (SegmentInfo.Tail).
const flushWait = time.Minute

// sealAndWait seals every growing segment of c and waits (up to
// flushWait) until the segments sealed then are in object storage (as
// collections/flush, which has no time bound and also waits for their
// delta logs). It makes the rows a backup must copy from replicas few.
func (a admin) sealAndWait(ctx context.Context, c *coordinator.Collection) error {
	sealed := make([]int64, c.ShardsNum) // per shard, the largest ID sealed by now
	for i := range c.ShardsNum {
		if _, _, err := a.s.host.Propose(ctx, c, i, &fsm.Command{Kind: fsm.KindSeal}); err != nil {
			return err
		}
		segs, err := a.s.host.Segments(ctx, c, i, coordinator.Strong)
		if err != nil {
			return err
		}
		for _, g := range segs {
			if g.State != segment.Growing.String() {
				sealed[i] = max(sealed[i], g.ID)
			}
		}
	}
	for deadline := time.Now().Add(flushWait); ; {
		pending := 0
		for i := range c.ShardsNum {
			segs, err := a.s.host.Segments(ctx, c, i, coordinator.Strong)
			if err != nil {
				return err
			}
			for _, g := range segs {
				if g.ID <= sealed[i] && g.State != segment.Growing.String() && g.Rows > g.FlushedRows {
					pending++
				}
			}
		}
		if pending == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			a.s.logger.Warn("backup: sealed segments not flushed in time; copying their rows from the replicas", "collection", c.Name, "segments", pending)
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// unflushedRows counts rows of segments not entirely in object storage
// that came without their tail.
func unflushedRows(segs []shards.SegmentInfo) int64 {
	var n int64
	for _, g := range segs {
		if len(g.Tail) == 0 {
			n += g.Rows - g.FlushedRows
		}
	}
	return n
}

// copyShard copies the objects of one shard's listing (all read at one
// log index) into the backup and returns the shard's part of the
// manifest. Segments without live rows are left out.
func copyShard(ctx context.Context, bs storage.ObjectStore, src shards.ObjectStore, c *coordinator.Collection, name string, i int, segs []shards.SegmentInfo) (backup.Shard, error) {
	sh := backup.Shard{Shard: i, Segments: []backup.Segment{}}
	var jobs []func(context.Context) error
	for _, g := range segs {
		sh.AppliedIndex = g.Applied
		if g.Rows == 0 || g.Rows == g.Deleted {
			continue
		}
		flags, deleted, err := backupFlags(g)
		if err != nil {
			return sh, fmt.Errorf("segment %d: %w", g.ID, err)
		}
		if deleted == g.Rows { // only expired rows left
			continue
		}
		bg := backup.Segment{ID: g.ID, Partition: g.Partition, Rows: g.Rows, Deleted: deleted, Flags: flags}
		for _, ch := range g.Manifest {
			bc := backup.Chunk{Index: ch.Index, FromRow: ch.FromRow, ToRow: ch.ToRow, Files: make([]backup.File, len(ch.Keys))}
			for f, key := range ch.Keys {
				file := &bc.Files[f]
				file.Key, file.Checksum = backup.ChunkKey(name, g.ID, c.Schema.Fields[f].ID, ch.Index), ch.Checksums[f]
				jobs = append(jobs, copyJob(bs, src, key, file))
			}
			bg.Chunks = append(bg.Chunks, bc)
		}
		if len(g.Tail) > 0 { // rows not flushed yet, read with the listing: one more chunk
			if len(g.Tail) != len(c.Schema.Fields) {
				return sh, fmt.Errorf("segment %d: %d tail files for %d fields", g.ID, len(g.Tail), len(c.Schema.Fields))
			}
			idx := int64(len(g.Manifest))
			bc := backup.Chunk{Index: idx, FromRow: g.FlushedRows, ToRow: g.Rows, Files: make([]backup.File, len(g.Tail))}
			for f, data := range g.Tail {
				file := &bc.Files[f]
				file.Key, file.Checksum, file.Size = backup.ChunkKey(name, g.ID, c.Schema.Fields[f].ID, idx), segment.Checksum(data), int64(len(data))
				jobs = append(jobs, func(ctx context.Context) error { return bs.Put(ctx, file.Key, data) })
			}
			bg.Chunks = append(bg.Chunks, bc)
		}
		for j, x := range g.Indexes {
			bg.Indexes = append(bg.Indexes, backup.IndexFile{Index: x.Name, Field: x.Field, Type: x.Type, Version: x.Version,
				File: backup.File{Key: backup.IndexKey(name, g.ID, j), Checksum: x.Checksum}})
		}
		for j := range bg.Indexes { // bg.Indexes is complete: the pointers stay valid
			jobs = append(jobs, copyJob(bs, src, g.Indexes[j].Key, &bg.Indexes[j].File))
		}
		sh.Segments = append(sh.Segments, bg)
	}
	return sh, runJobs(ctx, jobs)
}

// backupFlags are the rows a backup leaves out of a segment: the deleted
// ones and, under a TTL, the ones expired at the read (invisible then; a
// restore writes its rows anew, so they would come back to life). It
// returns the bitmap (nil when none) and its count.
func backupFlags(g shards.SegmentInfo) ([]byte, int64, error) {
	if len(g.ExpiredFlags) == 0 {
		if g.Deleted == 0 {
			return nil, 0, nil
		}
		return g.Flags, g.Deleted, nil
	}
	bm := roaring.New()
	for _, b := range [][]byte{g.Flags, g.ExpiredFlags} {
		if len(b) == 0 {
			continue
		}
		x := roaring.New()
		if _, err := x.FromBuffer(b); err != nil {
			return nil, 0, fmt.Errorf("deletion flags: %w", err)
		}
		bm.Or(x)
	}
	bm.RunOptimize()
	out, err := bm.ToBytes()
	return out, int64(bm.GetCardinality()), err
}

// copyJob copies one object from one store to another, checking it
// against its checksum; it records the size in f. f.Key is the
// destination.
func copyJob(dst storage.ObjectStore, src shards.ObjectStore, from string, f *backup.File) func(context.Context) error {
	return func(ctx context.Context) error {
		data, err := copyObject(ctx, dst, src, from, f.Key, f.Checksum)
		f.Size = int64(len(data))
		return err
	}
}

// getter is what copyObject reads from.
type getter interface {
	Get(ctx context.Context, key string) ([]byte, error)
}

// putter is what copyObject writes to.
type putter interface {
	Put(ctx context.Context, key string, data []byte) error
}

// copyObject copies from → to, refusing an object that does not match
// its checksum (storage.ErrNotFound wrapped when it is gone). It returns
// the bytes.
func copyObject(ctx context.Context, dst putter, src getter, from, to string, sum uint32) ([]byte, error) {
	data, err := src.Get(ctx, from)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", from, err)
	}
	if segment.Checksum(data) != sum {
		return nil, fmt.Errorf("%w: %s does not match its checksum", segment.ErrCorrupt, from)
	}
	if err := dst.Put(ctx, to, data); err != nil {
		return nil, fmt.Errorf("writing %s: %w", to, err)
	}
	return data, nil
}

// runJobs runs jobs backupCopiers at a time; the first error cancels the
// rest and is returned.
func runJobs(ctx context.Context, jobs []func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var next atomic.Int64
	var once sync.Once
	var first error
	var wg sync.WaitGroup
	for range min(backupCopiers, len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				j := int(next.Add(1)) - 1
				if j >= len(jobs) || ctx.Err() != nil {
					return
				}
				if err := jobs[j](ctx); err != nil {
					once.Do(func() { first = err; cancel() })
					return
				}
			}
		}()
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

// readManifest reads and checks a backup's manifest.
func readManifest(ctx context.Context, bs storage.ObjectStore, name string) (*backup.Manifest, error) {
	if err := backup.ValidName(name); err != nil {
		return nil, fmt.Errorf("%w: %v", coordinator.ErrInvalid, err)
	}
	data, err := bs.Get(ctx, backup.ManifestKey(name))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, fmt.Errorf("%w: backup %q not found (backup/list lists the complete ones)", coordinator.ErrInvalid, name)
	}
	if err != nil {
		return nil, err
	}
	return backup.Decode(data)
}

// ListBackups lists the complete backups (those with a manifest), by
// name.
func (a admin) ListBackups(ctx context.Context) (any, error) {
	bs, _, err := a.backupStores()
	if err != nil {
		return nil, err
	}
	objs, err := bs.List(ctx, "")
	if err != nil {
		return nil, err
	}
	out := []BackupSummary{}
	for _, o := range objs {
		name, ok := strings.CutSuffix(o.Key, "/"+backup.ManifestFile)
		if !ok || strings.Contains(name, "/") {
			continue
		}
		m, err := readManifest(ctx, bs, name)
		if err != nil {
			return nil, err
		}
		out = append(out, summarize(m))
	}
	return out, nil
}

// DescribeBackup returns a backup's manifest.
func (a admin) DescribeBackup(ctx context.Context, name string) (any, error) {
	bs, _, err := a.backupStores()
	if err != nil {
		return nil, err
	}
	return readManifest(ctx, bs, name)
}

// DeleteBackup deletes a backup: its manifest first, so it stops being
// listed or restorable at once, then its objects. A name without a
// manifest (what a failed backup left) has its objects deleted too; a
// name with nothing under it is an error.
func (a admin) DeleteBackup(ctx context.Context, name string) (any, error) {
	bs, _, err := a.backupStores()
	if err != nil {
		return nil, err
	}
	if err := backup.ValidName(name); err != nil {
		return nil, fmt.Errorf("%w: %v", coordinator.ErrInvalid, err)
	}
	objs, err := bs.List(ctx, name+"/")
	if err != nil {
		return nil, err
	}
	if len(objs) == 0 {
		return nil, fmt.Errorf("%w: backup %q not found", coordinator.ErrInvalid, name)
	}
	if err := bs.Delete(ctx, backup.ManifestKey(name)); err != nil {
		return nil, err
	}
	var bytes int64
	for _, o := range objs {
		if err := bs.Delete(ctx, o.Key); err != nil {
			return nil, fmt.Errorf("backup %q: deleting %s (the backup is gone; retry to delete the rest): %w", name, o.Key, err)
		}
		bytes += o.Size
	}
	a.s.logger.Info("backup: deleted", "backup", name, "objects", len(objs), "bytes", bytes)
	return map[string]any{"backupName": name, "objects": len(objs), "bytes": bytes}, nil
}

// RestoreSummary is what backup/restore reports.
type RestoreSummary struct {
	Backup     string  `json:"backupName"`
	Database   string  `json:"dbName"`
	Collection string  `json:"collectionName"`
	Segments   int     `json:"segments"`
	Rows       int64   `json:"rows"` // live rows restored
	Objects    int     `json:"objects"`
	Bytes      int64   `json:"bytes"`
	Seconds    float64 `json:"seconds"`
}

// RestoreBackup restores a backup into a new collection of the context's
// database.
func (a admin) RestoreBackup(ctx context.Context, name, coll string) (any, error) {
	bs, lc, err := a.backupStores()
	if err != nil {
		return nil, err
	}
	if coll == "" || strings.HasPrefix(coll, restorePrefix) {
		return nil, fmt.Errorf("%w: invalid collection name %q for a restore", coordinator.ErrInvalid, coll)
	}
	m, err := readManifest(ctx, bs, name)
	if err != nil {
		return nil, err
	}
	if _, err := a.s.proxy.DescribeCollection(ctx, coll); err == nil {
		return nil, fmt.Errorf("%w: %q: restore into a new collection name", coordinator.ErrCollectionExists, coll)
	} else if !errors.Is(err, coordinator.ErrCollectionNotFound) {
		return nil, err
	}
	start := time.Now()
	temp := restorePrefix + coll
	c, err := a.restoreTarget(ctx, m, temp)
	if err != nil {
		return nil, fmt.Errorf("restore of %q: creating %q: %w", name, temp, err)
	}
	a.s.logger.Info("backup: restore target created", "backup", name, "collection", temp, "seconds", time.Since(start).Seconds())
	sum := RestoreSummary{Backup: name, Database: proxy.Database(ctx), Collection: coll}
	var maxPK int64
	for i := range m.Shards {
		n, objs, bytes, top, err := a.restoreShard(ctx, bs, lc, m, c, i)
		maxPK = max(maxPK, top)
		if err != nil {
			return nil, fmt.Errorf("restore of %q into %q: shard %d: %w (the partial restore stays as %q until a retry replaces it)", name, coll, i, err, temp)
		}
		sum.Segments += len(m.Shards[i].Segments)
		sum.Rows += n
		sum.Objects += objs
		sum.Bytes += bytes
		a.s.logger.Info("backup: shard restored", "backup", name, "collection", coll, "shard", i, "segments", len(m.Shards[i].Segments), "rows", n)
	}
	if f := c.Schema.Fields[c.Schema.PrimaryIndex()]; f.AutoID && maxPK > 0 {
		if err := a.bumpAutoIDs(ctx, maxPK); err != nil {
			return nil, fmt.Errorf("restore of %q: moving auto IDs past the restored keys: %w", name, err)
		}
	}
	if err := a.s.proxy.RenameCollection(ctx, temp, "", coll); err != nil {
		return nil, fmt.Errorf("restore of %q: renaming %q to %q: %w", name, temp, coll, err)
	}
	sum.Seconds = time.Since(start).Seconds()
	a.s.logger.Info("backup: restored", "backup", name, "collection", coll, "rows", sum.Rows, "seconds", sum.Seconds)
	return sum, nil
}

// restoreTarget creates the collection a restore fills (after dropping
// what a failed earlier restore left under that name) with the backup's
// schema, shards, partitions, indexes and properties.
func (a admin) restoreTarget(ctx context.Context, m *backup.Manifest, temp string) (*coordinator.Collection, error) {
	if _, err := a.s.proxy.DescribeCollection(ctx, temp); err == nil {
		a.s.logger.Info("backup: dropping the leftover of an earlier restore", "collection", temp)
		if err := a.s.proxy.DropCollection(ctx, temp); err != nil {
			return nil, err
		}
	}
	c := &coordinator.Collection{Name: temp, Schema: m.Schema, ShardsNum: m.ShardsNum, Consistency: m.Consistency,
		NumPartitions: m.NumPartitions, Properties: maps.Clone(m.Properties), Loaded: m.Loaded}
	c.Schema.Fields = slices.Clone(m.Schema.Fields)
	c.Schema.Name = temp
	for _, ix := range m.Indexes {
		c.Indexes = append(c.Indexes, coordinator.Index{Name: ix.Name, FieldName: ix.FieldName, IndexType: ix.IndexType,
			MetricType: ix.MetricType, Params: maps.Clone(ix.Params)})
	}
	if err := a.s.proxy.CreateCollection(ctx, c); err != nil {
		return nil, err
	}
	if m.NumPartitions == 0 {
		for _, p := range m.Partitions {
			if p.Name == segment.DefaultPartion {
				continue
			}
			if err := a.s.proxy.CreatePartition(ctx, temp, p.Name); err != nil {
				return nil, err
			}
		}
	}
	got, err := a.s.proxy.DescribeCollection(ctx, temp)
	if err == nil && len(got.Schema.Fields) != len(m.Schema.Fields) {
		err = fmt.Errorf("the created collection has %d fields, the backup %d", len(got.Schema.Fields), len(m.Schema.Fields))
	}
	return got, err
}

// restoreShard copies shard i's objects into c's key layout and commits
// its segments through the shard's log, in order. It returns the live
// rows, objects and bytes restored, and the largest Int64 key.
func (a admin) restoreShard(ctx context.Context, bs storage.ObjectStore, lc shards.Lifecycle, m *backup.Manifest, c *coordinator.Collection, i int) (rows int64, objs int, bytes int64, maxPK int64, err error) {
	parts := map[int64]int64{} // source partition ID → c's
	for _, sp := range m.Partitions {
		p, ok := c.Partition(sp.Name)
		if !ok {
			return 0, 0, 0, 0, fmt.Errorf("partition %q of the backup was not created", sp.Name)
		}
		parts[sp.ID] = p.ID
	}
	fields := map[int64]int64{} // source field ID → c's (the same schema, by position)
	for f := range m.Schema.Fields {
		fields[m.Schema.Fields[f].ID] = c.Schema.Fields[f].ID
	}
	builds := map[string]coordinator.Index{} // source BuildName → c's index
	for _, sx := range m.Indexes {
		if ix, ok := c.IndexOn(sx.FieldName); ok && ix.Name == sx.Name {
			builds[sx.BuildName] = ix
		}
	}
	// Copy every segment's objects at once (backupCopiers at a time), then
	// commit the segments in order.
	segs := m.Shards[i].Segments
	cmds := make([]*fsm.Command, len(segs))
	scalars := make([][][]segment.Column, len(segs)) // per segment, chunk, field
	var mu sync.Mutex
	var jobs []func(context.Context) error
	for k, g := range segs {
		out := shards.SegmentBase(c.ID, i) + int64(k+1)
		part, ok := parts[g.Partition]
		if !ok {
			return 0, 0, 0, 0, fmt.Errorf("segment %d: partition %d is not in the backup", g.ID, g.Partition)
		}
		cmd := &fsm.Command{Kind: fsm.KindRestoreCommit, Partition: part, Output: out, Excluded: [][]byte{g.Flags},
			Rows: segment.NewBatch(&c.Schema), Key: "restore/" + m.Name + "/" + strconv.FormatInt(g.ID, 10)}
		cmds[k] = cmd
		scalars[k] = make([][]segment.Column, len(g.Chunks))
		for ci, ch := range g.Chunks {
			sc := segment.Chunk{Index: ch.Index, FromRow: ch.FromRow, ToRow: ch.ToRow}
			scalars[k][ci] = make([]segment.Column, len(c.Schema.Fields))
			for f, file := range ch.Files {
				field := &c.Schema.Fields[f]
				key := storage.InsertLogKey(lc.Root, c.ID, part, out, field.ID, ch.Index)
				sc.Keys, sc.Checksums, sc.Bytes = append(sc.Keys, key), append(sc.Checksums, file.Checksum), sc.Bytes+file.Size
				dense := field.Type.IsDense()
				jobs = append(jobs, func(ctx context.Context) error {
					data, err := copyObject(ctx, lc.Store, bs, file.Key, key, file.Checksum)
					if err != nil || dense {
						return err
					}
					_, col, err := segment.DecodeChunkFile(data)
					if err != nil {
						return fmt.Errorf("%s: %w", file.Key, err)
					}
					mu.Lock()
					scalars[k][ci][f] = col
					mu.Unlock()
					return nil
				})
				objs++
				bytes += file.Size
			}
			cmd.Chunks = append(cmd.Chunks, sc)
		}
		for _, x := range g.Indexes {
			ix, ok := builds[x.Index]
			if !ok { // a file of an index dropped before the backup: not restored
				continue
			}
			key := storage.IndexFileKey(lc.Root, ix.ID, x.Version, part, out, x.Type)
			cmd.Indexes = append(cmd.Indexes, segment.IndexRef{Name: ix.BuildName(), Field: fields[x.Field], Type: x.Type, Key: key,
				Checksum: x.Checksum, Version: x.Version})
			jobs = append(jobs, func(ctx context.Context) error {
				_, err := copyObject(ctx, lc.Store, bs, x.Key, key, x.Checksum)
				return err
			})
			objs++
			bytes += x.Size
		}
	}
	copyStart := time.Now()
	if err := runJobs(ctx, jobs); err != nil {
		return 0, 0, 0, 0, err
	}
	a.s.logger.Info("backup: shard objects copied", "backup", m.Name, "collection", c.Name, "shard", i, "objects", objs,
		"bytes", bytes, "seconds", time.Since(copyStart).Seconds())
	for k, cmd := range cmds {
		for f := range c.Schema.Fields {
			if c.Schema.Fields[f].Type.IsDense() {
				continue
			}
			for ci := range scalars[k] {
				cmd.Rows.Columns[f].AppendAll(&scalars[k][ci][f])
			}
		}
		scalars[k] = nil
		if pk := &cmd.Rows.Columns[c.Schema.PrimaryIndex()]; pk.Type == segment.TypeInt64 {
			for _, v := range pk.Ints {
				maxPK = max(maxPK, v)
			}
		}
		commitStart := time.Now()
		res, err := a.proposeRestore(ctx, c, i, cmd)
		if err != nil {
			return 0, 0, 0, 0, fmt.Errorf("segment %d: committing it as %d: %w", segs[k].ID, cmd.Output, err)
		}
		rows += res.Count
		a.s.logger.Info("backup: segment restored", "backup", m.Name, "collection", c.Name, "shard", i, "segment", cmd.Output,
			"of", fmt.Sprintf("%d/%d", k+1, len(segs)), "rows", res.Count, "commitSeconds", time.Since(commitStart).Seconds())
	}
	return rows, objs, bytes, maxPK, nil
}

// maxAllocRounds bounds how many allocations bumpAutoIDs makes (each
// takes up to 1<<20 IDs).
const maxAllocRounds = 64

// bumpAutoIDs moves the cluster's auto-ID allocator past maxPK, so the
// auto IDs given to later inserts never repeat a restored key (a backup
// restored on another cluster carries keys that cluster's allocator has
// not given out yet).
func (a admin) bumpAutoIDs(ctx context.Context, maxPK int64) error {
	n := int64(1)
	for range maxAllocRounds {
		first, err := a.s.proxy.AllocIDs(ctx, int(n))
		if err != nil {
			return err
		}
		if first+n-1 >= maxPK {
			return nil
		}
		n = min(maxPK-(first+n-1), 1<<20)
	}
	a.s.logger.Warn("backup: auto IDs not moved past the restored keys (too far ahead); inserts may meet duplicate keys", "maxPK", maxPK)
	return nil
}

// proposeRestore commits a restored segment, retrying while the outcome
// is unknown (a leader change): the entry's key makes a repeat a replay.
func (a admin) proposeRestore(ctx context.Context, c *coordinator.Collection, i int, cmd *fsm.Command) (fsm.Result, error) {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		var res fsm.Result
		res, _, err = a.s.host.Propose(ctx, c, i, cmd)
		if err == nil {
			return res, nil
		}
		if !errors.Is(err, shards.ErrUnknownOutcome) && !errors.Is(err, shards.ErrUnavailable) {
			return res, err
		}
		select {
		case <-ctx.Done():
			return res, err
		case <-time.After(time.Duration(attempt+1) * 200 * time.Millisecond):
		}
	}
	return fsm.Result{}, err
}
