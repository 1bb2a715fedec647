package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestReadStopsWhenClientLeaves: a query or search with an expensive
// filter stops evaluating on the server when its HTTP client disconnects
// or its Request-Timeout passes (which answers 408, code 10001). Each case
// first measures the rows a full evaluation visits (ReadStats.Rows), then
// cuts the request once the scan has started and waits until no read is in
// flight: the rows visited must stay below the full figure. Found by
// probing: such a query kept a core busy ~15 s after its client left.
func TestReadStopsWhenClientLeaves(t *testing.T) {
	s := startTest(t, t.TempDir())
	c := newClient(t, s)
	c.ok("collections/create", map[string]any{"collectionName": "slow", "dimension": 2})
	const rows, batch = 60000, 10000
	for lo := 0; lo < rows; lo += batch {
		data := make([]map[string]any, 0, batch)
		for i := lo; i < lo+batch; i++ {
			data = append(data, map[string]any{"id": i, "vector": []float32{float32(i % 97), 1}, "color": fmt.Sprintf("c%05dx", i)})
		}
		c.ok("entities/insert", map[string]any{"collectionName": "slow", "data": data})
	}
	const filter = `color like "%9%x%" and id % 7 == 3` // ~4 µs a row: a full scan takes 10× the cut below
	query := map[string]any{"collectionName": "slow", "filter": filter, "outputFields": []string{"color"}, "limit": 100}
	search := map[string]any{"collectionName": "slow", "filter": filter, "limit": 5, "data": [][]float32{{1, 1}, {2, 1}, {3, 1}, {4, 1}}}
	host := s.Host()

	// The full evaluation of each request, as the reference.
	full := map[string]int64{}
	for path, body := range map[string]any{"entities/query": query, "entities/search": search} {
		before := host.ReadStats()
		c.ok(path, body)
		full[path] = host.ReadStats().Rows - before.Rows
		if full[path] < rows {
			t.Fatalf("%s: a full evaluation visited %d rows, want >= %d", path, full[path], rows)
		}
	}

	cases := []struct {
		name    string
		path    string
		body    any
		timeout string // Request-Timeout; "" = the client disconnects
	}{
		{"query, client disconnects", "entities/query", query, ""},
		{"search, client disconnects", "entities/search", search, ""},
		{"query, Request-Timeout", "entities/query", query, "0.02"},
		{"search, Request-Timeout", "entities/search", search, "0.02"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := host.ReadStats()
			b, _ := json.Marshal(tc.body)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/v2/vectordb/"+tc.path, strings.NewReader(string(b)))
			if tc.timeout != "" {
				req.Header.Set("Request-Timeout", tc.timeout)
			}
			type answer struct {
				status int
				body   string
				err    error
			}
			done := make(chan answer, 1)
			go func() {
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					done <- answer{err: err}
					return
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				done <- answer{status: resp.StatusCode, body: string(body)}
			}()
			if tc.timeout == "" {
				// Leave once the server is scanning.
				pollUntil(t, "the scan to start", func() bool { return host.ReadStats().Rows > before.Rows })
				cancel()
			}
			a := <-done
			if tc.timeout != "" && (a.err != nil || a.status != http.StatusRequestTimeout || !strings.Contains(a.body, `"code":10001`)) {
				t.Fatalf("Request-Timeout: HTTP %d %s (%v), want 408 with code 10001", a.status, a.body, a.err)
			}
			pollUntil(t, "no read in flight", func() bool { return host.ReadStats().InFlight == 0 })
			after := host.ReadStats()
			if got := after.Rows - before.Rows; got >= full[tc.path] {
				t.Fatalf("the server visited %d rows after the client left, a full evaluation %d: it did not stop", got, full[tc.path])
			}
			if after.Stopped <= before.Stopped {
				t.Fatalf("stats %+v after %+v: no read counted as stopped", after, before)
			}
		})
	}
}

// pollUntil polls cond until it holds; a condition that never holds fails
// the test after a generous bound (this is not a latency assertion).
func pollUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(30 * time.Second); !cond(); {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(200 * time.Microsecond)
	}
}
