package jepsen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"sync/atomic"
	"time"
)

// API codes whose outcome is unknown for a write: 3 (proposed, commit not
// confirmed), 10001 (request deadline passed; the write may go on), 65535
// (unexpected). Every other non-zero code means "definitely not applied".
var unknownCodes = map[int]bool{3: true, 10001: true, 65535: true}

// codeCollectionNotFound is the server's answer for a collection that
// does not exist (Milvus's code 100).
const codeCollectionNotFound = 100

// Client calls one node's Milvus REST v2 API and classifies outcomes.
type Client struct {
	http    *http.Client
	timeout time.Duration
}

// NewClient returns a client whose requests time out after timeout.
func NewClient(timeout time.Duration) *Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 16, IdleConnTimeout: 30 * time.Second}
	return &Client{http: &http.Client{Transport: tr}, timeout: timeout}
}

// Reply is the classified outcome of one call.
type Reply struct {
	Type  string // ok, fail, info
	Err   string
	Code  int // the server's non-zero code, 0 otherwise
	Data  json.RawMessage
	Token string // Raftvec-Session-Token of a write
	Topks []int  // hits per query of a search
}

type envelope struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
	Topks   []int           `json:"topks"`
}

// Call posts body to /v2/vectordb/{path} on addr. A write whose outcome is
// not known is info; a read that did not succeed is fail (reads have no
// effect, so an unknown read is simply discarded by the checkers).
func (c *Client) Call(ctx context.Context, addr, path string, body any, hdr map[string]string, write bool) Reply {
	b, err := json.Marshal(body)
	if err != nil {
		return Reply{Type: TypeFail, Err: err.Error()}
	}
	return c.do(ctx, http.MethodPost, "http://"+addr+"/v2/vectordb/"+path, b, hdr, write)
}

// callPath posts a JSON body to any path (admin routes); a write.
func (c *Client) callPath(ctx context.Context, addr, path, body string) Reply {
	return c.do(ctx, http.MethodPost, "http://"+addr+path, []byte(body), nil, true)
}

// get reads any path (admin and test routes).
func (c *Client) get(ctx context.Context, addr, path string) Reply {
	return c.do(ctx, http.MethodGet, "http://"+addr+path, nil, nil, false)
}

func (c *Client) do(ctx context.Context, method, url string, body []byte, hdr map[string]string, write bool) Reply {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return Reply{Type: TypeFail, Err: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	// The server must give up before this client does: a write whose
	// client timed out must never be applied after the client's next
	// write. Raftvec-Deadline is absolute, so a request that waits in a
	// paused node's socket is refused when it is finally read; the server
	// carries the deadline into forwarded proposals.
	req.Header.Set("Request-Timeout", strconv.FormatFloat(0.8*c.timeout.Seconds(), 'f', 3, 64))
	req.Header.Set("Raftvec-Deadline", strconv.FormatInt(time.Now().Add(c.timeout*8/10).UnixMilli(), 10))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	// Go's transport replays a request that carries an Idempotency-Key
	// when its pooled connection dies; if an earlier attempt was written,
	// the server may have applied it even though the last attempt was
	// refused (found by the register workload under kill -9).
	var wrote atomic.Bool
	req = req.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(httptrace.WroteRequestInfo) { wrote.Store(true) },
	}))
	resp, err := c.http.Do(req)
	if err != nil {
		t := transportType(err, write)
		if wrote.Load() {
			t = unknownIf(write)
		}
		return Reply{Type: t, Err: err.Error()}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return Reply{Type: unknownIf(write), Err: err.Error()}
	}
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return Reply{Type: unknownIf(write), Err: fmt.Sprintf("HTTP %d: %.200s", resp.StatusCode, raw)}
	}
	if env.Code != 0 {
		t := TypeFail
		if write && unknownCodes[env.Code] {
			t = TypeInfo
		}
		return Reply{Type: t, Err: fmt.Sprintf("code %d: %s", env.Code, env.Message), Code: env.Code}
	}
	return Reply{Type: TypeOK, Data: env.Data, Token: resp.Header.Get("Raftvec-Session-Token"), Topks: env.Topks}
}

// transportType: a refused connection never reached the server (fail)
// unless an earlier attempt was written (see do); anything later (timeout,
// reset) leaves a write's outcome unknown.
func transportType(err error, write bool) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return TypeFail
	}
	return unknownIf(write)
}

func unknownIf(write bool) string {
	if write {
		return TypeInfo
	}
	return TypeFail
}

// row is an entity as returned by get/query/search.
type row struct {
	ID  json.RawMessage `json:"id"`
	Val *int64          `json:"val"`
}

// ids decodes the "id" of every row (int64 as a JSON string or number).
func rowIDs(data json.RawMessage) ([]int64, []row, error) {
	var rows []row
	if err := json.Unmarshal(data, &rows); err != nil {
		return nil, nil, fmt.Errorf("jepsen: rows: %w", err)
	}
	out := make([]int64, 0, len(rows))
	for _, r := range rows {
		s := string(bytes.Trim(r.ID, `"`))
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, nil, fmt.Errorf("jepsen: row id %s: %w", r.ID, err)
		}
		out = append(out, id)
	}
	return out, rows, nil
}

// vectorOf is the vector of an id: four pseudo-random coordinates in
// [-1, 1) from a hash of the id, exact in float32 (ids themselves are too
// large: 2^34 + k rounds to a multiple of 2048). An exact search for it
// finds the id at distance 0.
func vectorOf(id int64) []float32 {
	x := uint64(id)
	v := make([]float32, 4)
	for i := range v {
		x += 0x9e3779b97f4a7c15 // splitmix64
		z := x
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		z ^= z >> 31
		v[i] = float32(z>>40)/float32(1<<23) - 1
	}
	return v
}
