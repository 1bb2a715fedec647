package proxy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/expr"
	"github.com/raftvec/raftvec/fsm"
	"github.com/raftvec/raftvec/segment"
	"github.com/raftvec/raftvec/shards"
)

// scatter runs fn on every shard concurrently and returns the first error,
// preferring ErrUnknownOutcome (a write that may have happened) over others.
func scatter(n int, fn func(i int) error) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = fn(i)
		}()
	}
	wg.Wait()
	var first error
	for _, err := range errs {
		if errors.Is(err, shards.ErrUnknownOutcome) {
			return err
		}
		if first == nil {
			first = err
		}
	}
	return first
}

// scatterWrite runs one write's part on every shard that has one (fn
// reports whether shard i had a part). A write applied on some shards and
// failed on others is neither applied nor "definitely not applied": it
// fails with ErrUnknownOutcome, and a retry with the same idempotency key
// completes the missing parts and replays the applied ones (found by the
// Jepsen register workload: a delete applied on one shard was reported
// "unavailable" because the other shard's leader had just been removed).
func scatterWrite(n int, fn func(i int) (bool, error)) error {
	applied := make([]bool, n)
	err := scatter(n, func(i int) error {
		part, err := fn(i)
		applied[i] = part && err == nil
		return err
	})
	if err == nil || errors.Is(err, shards.ErrUnknownOutcome) || !slices.Contains(applied, true) {
		return err
	}
	return fmt.Errorf("%w: applied on some shards only (retry with the same Idempotency-Key): %w", shards.ErrUnknownOutcome, err)
}

func (p *Proxy) partitionID(c *coordinator.Collection, name string) (int64, error) {
	if name == "" {
		name = segment.DefaultPartion
	}
	pt, ok := c.Partition(name)
	if !ok {
		return 0, fmt.Errorf("%w: %q in %q", coordinator.ErrPartitionNotFound, name, c.Name)
	}
	return pt.ID, nil
}

// Write implements api.Backend. With several shards an insert first checks,
// at Strong, that no key exists on any shard, so that a duplicate rejects
// the whole request before any shard is written.
func (p *Proxy) Write(ctx context.Context, w shards.WriteRequest) (shards.WriteResult, error) {
	c, err := p.coord.CollectionView(qualify(ctx, w.Collection)) // shared, read-only
	if err != nil {
		return shards.WriteResult{}, err
	}
	part, rowParts, err := p.writePartitions(c, w)
	if err != nil {
		return shards.WriteResult{}, err
	}
	n := c.ShardsNum
	parts, shardParts := splitBatch(&c.Schema, w.Rows, n, rowParts)
	if n > 1 && !w.Upsert {
		if err := p.checkAbsent(ctx, c, parts); err != nil {
			return shards.WriteResult{}, err
		}
	}
	kind := fsm.KindInsert
	if w.Upsert {
		kind = fsm.KindUpsert
	}
	results := make([]fsm.Result, n)
	idxs := make([]uint64, n)
	err = scatterWrite(n, func(i int) (bool, error) {
		if parts[i] == nil {
			return false, nil
		}
		var err error
		cmd := &fsm.Command{Kind: kind, Partition: part, Rows: parts[i], RowPartitions: shardParts[i], Key: shardKey(w.Key, i),
			TTL: c.TTLMillis()}
		results[i], idxs[i], err = p.host.Propose(ctx, c, i, cmd)
		return true, err
	})
	if err != nil {
		return shards.WriteResult{}, err
	}
	return combine(results, parts, idxs), nil
}

// shardKey derives each shard's idempotency key from the request's.
func shardKey(key string, shard int) string {
	if key == "" {
		return ""
	}
	return key + "#" + strconv.Itoa(shard)
}

func combine(results []fsm.Result, parts []*segment.Batch, idxs []uint64) shards.WriteResult {
	out := shards.WriteResult{Token: encodeToken(idxs)}
	first := true
	for i, r := range results {
		if parts[i] == nil {
			continue
		}
		out.Count += r.Count
		out.Replayed = out.Replayed || r.Replayed
		if first || r.MinPK < out.FirstID {
			out.FirstID, first = r.MinPK, false
		}
	}
	return out
}

func (p *Proxy) checkAbsent(ctx context.Context, c *coordinator.Collection, parts []*segment.Batch) error {
	pki := c.Schema.PrimaryIndex()
	return scatter(len(parts), func(i int) error {
		if parts[i] == nil {
			return nil
		}
		ids := make([]any, parts[i].Rows())
		for j := range ids {
			ids[j] = parts[i].Columns[pki].Value(j)
		}
		q := &shards.QueryRequest{IDs: ids, Limit: 10}
		found, _, err := p.host.Read(ctx, c, i, shards.ReadArgs{Opts: shards.ReadOptions{Consistency: coordinator.Strong}, Query: q, VotersOnly: true})
		if err != nil {
			return err
		}
		if len(found.Entities) == 0 {
			return nil
		}
		keys := make([]string, len(found.Entities))
		for j, e := range found.Entities {
			keys[j] = fmt.Sprint(e.PK)
		}
		return fmt.Errorf("%w: %s", shards.ErrDuplicateKey, strings.Join(keys, ", "))
	})
}

// encodeToken encodes per-shard applied indexes as "i=idx,..." (shards with
// no write are left out).
func encodeToken(idxs []uint64) string {
	var parts []string
	for i, idx := range idxs {
		if idx > 0 {
			parts = append(parts, fmt.Sprintf("%d=%d", i, idx))
		}
	}
	return strings.Join(parts, ",")
}

// tokenFor extracts shard i's index from a session token ("" if none).
func tokenFor(token string, i int) string {
	prefix := strconv.Itoa(i) + "="
	for _, part := range strings.Split(token, ",") {
		if strings.HasPrefix(part, prefix) {
			return strings.TrimPrefix(part, prefix)
		}
	}
	return ""
}

// Delete implements api.Backend: the filter is checked here and evaluated
// by each shard at apply time, so a delete is atomic within a shard.
func (p *Proxy) Delete(ctx context.Context, d shards.DeleteRequest) (int64, error) {
	c, err := p.coord.CollectionView(qualify(ctx, d.Collection)) // shared, read-only
	if err != nil {
		return 0, err
	}
	var part int64
	if d.Partition != "" {
		if part, err = p.partitionID(c, d.Partition); err != nil {
			return 0, err
		}
	}
	if _, err := expr.Compile(d.Filter, &c.Schema, d.Params); err != nil {
		return 0, err
	}
	params, err := json.Marshal(d.Params)
	if err != nil {
		return 0, fmt.Errorf("%w: exprParams: %w", shards.ErrInvalid, err)
	}
	counts := make([]int64, c.ShardsNum)
	err = scatterWrite(c.ShardsNum, func(i int) (bool, error) {
		cmd := &fsm.Command{Kind: fsm.KindDelete, Partition: part, Filter: d.Filter, Params: params, Key: shardKey(d.Key, i),
			TTL: c.TTLMillis()}
		res, _, err := p.host.Propose(ctx, c, i, cmd)
		counts[i] = res.Count
		return true, err
	})
	var total int64
	for _, n := range counts {
		total += n
	}
	return total, err
}
