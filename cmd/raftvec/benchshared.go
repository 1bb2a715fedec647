package main

// Helpers shared by the bench commands that talk to a server: waiting for
// flushed segments and row counts, timed passes of requests, search hits.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync/atomic"
	"time"
)

// searchHit is one search hit: primary key and score (the reply's
// distance).
type searchHit struct {
	ID    int64
	Score float64
}

// waitFlushed flushes the collection and polls its segments until every
// one is Flushed (or Indexed) and they hold rows live rows.
func waitFlushed(w io.Writer, addr, collection string, rows int64, loadStart time.Time) error {
	start := time.Now()
	if _, err := post(addr, "collections/flush", map[string]any{"collectionName": collection}); err != nil {
		return err
	}
	flushCall := time.Since(start)
	var status atomic.Value
	status.Store("flush: waiting for segments")
	stop := progress(func() string { return status.Load().(string) })
	defer stop()
	deadline := time.Now().Add(10 * time.Minute)
	for {
		raw, err := getData(addr, "/v1/collections/"+collection+"/segments")
		if err != nil {
			return err
		}
		var segs []struct {
			State   string `json:"state"`
			Rows    int64  `json:"rows"`
			Deleted int64  `json:"deletedRows"`
		}
		if err := json.Unmarshal(raw, &segs); err != nil {
			return fmt.Errorf("segments: %s: %w", raw, err)
		}
		n, live, flushed := 0, int64(0), 0
		for _, s := range segs {
			if s.State == "Dropped" {
				continue
			}
			n++
			live += s.Rows - s.Deleted
			if s.State == "Flushed" || s.State == "Indexed" {
				flushed++
			}
		}
		status.Store(fmt.Sprintf("flush: %d/%d segments flushed, %d/%d rows", flushed, n, live, rows))
		if n > 0 && flushed == n && live == rows {
			fmt.Fprintf(w, "flush: %d segments, %d rows Flushed %.2fs after the flush call (the call took %.2fs); load-to-flushed %.2fs\n",
				n, live, time.Since(start).Seconds(), flushCall.Seconds(), time.Since(loadStart).Seconds())
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("segments not flushed after 10 minutes: %d/%d flushed, %d/%d rows", flushed, n, live, rows)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitCount waits until count(*) at level answers rows on every node,
// three times in a row (each may be served by another replica).
func waitCount(nodes []string, collection, level string, rows int64) error {
	deadline := time.Now().Add(2 * time.Minute)
	for _, node := range nodes {
		for ok := 0; ok < 3; {
			raw, err := post(node, "entities/query", map[string]any{"collectionName": collection,
				"outputFields": []string{"count(*)"}, "consistencyLevel": level})
			if err != nil {
				return err
			}
			var c []map[string]int64
			if err := json.Unmarshal(raw, &c); err != nil || len(c) != 1 {
				return fmt.Errorf("count(*): %s: %v", raw, err)
			}
			switch n := c[0]["count(*)"]; {
			case n == rows:
				ok++
			case n > rows || time.Now().After(deadline):
				return fmt.Errorf("collection %q: count(*) at %s on %s is %d, want --rows %d", collection, level, node, n, rows)
			default:
				ok = 0
				time.Sleep(100 * time.Millisecond)
			}
		}
	}
	return nil
}

// getData GETs one of raftvec's JSON routes and returns the envelope's
// data.
func getData(base, path string) (json.RawMessage, error) {
	resp, err := http.Get(base + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return envelopeData(path, resp.StatusCode, raw)
}

// parseHits reads the ids and distances of a one-query search reply.
func parseHits(raw json.RawMessage) ([]searchHit, error) {
	var hits []struct {
		ID       json.Number `json:"id"`
		Distance float64     `json:"distance"`
	}
	if err := json.Unmarshal(raw, &hits); err != nil {
		return nil, fmt.Errorf("search reply: %w", err)
	}
	out := make([]searchHit, len(hits))
	for i, h := range hits {
		n, err := strconv.ParseInt(h.ID.String(), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("search reply id %q: %w", h.ID, err)
		}
		out[i] = searchHit{n, h.Distance}
	}
	return out, nil
}

// passTimes are the latencies and wall time of a timed pass of requests.
type passTimes struct {
	lat  []time.Duration // one per request, sorted
	wall time.Duration
}

func (p passTimes) qps() float64       { return float64(len(p.lat)) / p.wall.Seconds() }
func (p passTimes) p50() time.Duration { return p.lat[len(p.lat)/2] }
func (p passTimes) p99() time.Duration { return p.lat[len(p.lat)*99/100] }

// timedPass posts bodies[i] to path (request i to node i mod len(nodes))
// on clients clients and hands each reply to got, outside the request's
// latency; it stops at the first error.
func timedPass(nodes []string, clients int, path string, bodies []rawBody, got func(i int, raw json.RawMessage) error) (passTimes, error) {
	lat := make([]time.Duration, len(bodies))
	start := time.Now()
	err := parallel(clients, len(bodies), func(_, i int) error {
		t := time.Now()
		raw, err := post(nodes[i%len(nodes)], path, bodies[i])
		lat[i] = time.Since(t)
		if err == nil {
			err = got(i, raw)
		}
		return err
	})
	if err != nil {
		return passTimes{}, err
	}
	wall := time.Since(start)
	slices.Sort(lat)
	return passTimes{lat: lat, wall: wall}, nil
}

// untimed posts bodies to path as timedPass does and ignores the replies
// (a warm-up).
func untimed(nodes []string, clients int, path string, bodies []rawBody) error {
	return parallel(clients, len(bodies), func(_, i int) error {
		_, err := post(nodes[i%len(nodes)], path, bodies[i])
		return err
	})
}

// insertStats is what a batched insert measured.
type insertStats struct {
	elapsed time.Duration
	bytes   int64
	retries int64
}

// summary renders the figures of the insert line every bench prints.
func (s insertStats) summary(rows int) string {
	return fmt.Sprintf("%.2fs, %.0f rows/s, %.1f MB/s, %d retries", s.elapsed.Seconds(),
		float64(rows)/s.elapsed.Seconds(), float64(s.bytes)/1e6/s.elapsed.Seconds(), s.retries)
}

// insertBatches inserts rows [0, rows) in batches of batch rows on clients
// clients, printing progress every second; body encodes rows [lo, hi).
// Each batch carries an Idempotency-Key unique to this run (prefix, run,
// batch) and is retried as insertRetrying does.
func insertBatches(nodes []string, clients, rows, batch int, prefix string, body func(lo, hi int) (rawBody, error)) (insertStats, error) {
	batches := (rows + batch - 1) / batch
	var done, sent, retries atomic.Int64
	run := time.Now().UnixNano()
	start := time.Now()
	stop := progressEvery(time.Second, rateReporter(start, rows, &done, &sent))
	err := parallel(clients, batches, func(_, b int) error {
		lo, hi := b*batch, min((b+1)*batch, rows)
		data, err := body(lo, hi)
		if err != nil {
			return err
		}
		err = insertRetrying(nodes, b, fmt.Sprintf("%s-%d-%d", prefix, run, b), data, &retries)
		done.Add(int64(hi - lo))
		sent.Add(int64(len(data)))
		return err
	})
	stop()
	st := insertStats{elapsed: time.Since(start), bytes: sent.Load(), retries: retries.Load()}
	if err != nil {
		return st, fmt.Errorf("%w (%d retries)", err, st.retries)
	}
	return st, nil
}
