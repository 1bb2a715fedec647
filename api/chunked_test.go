package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
)

// spaces is a body of JSON whitespace that counts what was read.
type spaces struct {
	left int64        // bytes still to give
	read atomic.Int64 // bytes given
}

func (s *spaces) Read(p []byte) (int, error) {
	if s.left <= 0 {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), s.left))
	for i := range p[:n] {
		p[i] = ' '
	}
	s.left -= int64(n)
	s.read.Add(int64(n))
	return n, nil
}

// TestChunkedBodyPastLimitIsRefusedUnread streams a 64 MiB chunked body
// (no Content-Length) at a server whose limit is 1 MiB over a real
// connection: the server answers "too large" as it does for a body with a
// Content-Length, and stops reading, so the client never gets to send the
// whole stream.
func TestChunkedBodyPastLimitIsRefusedUnread(t *testing.T) {
	const limit, streamed = 1 << 20, 64 << 20
	e := newEnv(t, Config{MaxBodyBytes: limit})
	e.quick("c", nil)
	srv := httptest.NewServer(e.h)
	defer srv.Close()

	body := &spaces{left: streamed}
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/v2/vectordb/entities/insert", body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = -1 // Transfer-Encoding: chunked
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("the client got no reply: %v (%d bytes sent)", err, body.read.Load())
	}
	defer resp.Body.Close()
	var env struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		t.Fatal(err)
	}
	if env.Code != codeInvalid || !strings.Contains(env.Message, "request body too large") {
		t.Fatalf("code %d %q, want %d request body too large", env.Code, env.Message, codeInvalid)
	}
	if n := body.read.Load(); n >= streamed {
		t.Fatalf("the client sent the whole %d-byte stream: the server read past its %d-byte limit", n, limit)
	}
	if e.f.writeCount() != 0 {
		t.Error("an oversized request was written")
	}
}

// TestReadUnsized reads bodies of unknown length around the limit.
func TestReadUnsized(t *testing.T) {
	const limit = 3 << 20
	for _, tc := range []struct {
		name string
		size int
		ok   bool
	}{
		{"empty", 0, true},
		{"one byte", 1, true},
		{"first block", 512, true},
		{"second block", 513, true},
		{"past the largest block", 2<<20 + 7, true},
		{"at the limit", limit, true},
		{"one byte past", limit + 1, false},
		{"far past", 4 * limit, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := bytes.Repeat([]byte("0123456789abcdef"), tc.size/16+1)[:tc.size]
			r := http.MaxBytesReader(httptest.NewRecorder(), io.NopCloser(bytes.NewReader(want)), limit)
			got, err := readUnsized(r, limit)
			var mb *http.MaxBytesError
			switch {
			case tc.ok && err != nil:
				t.Fatalf("%d bytes: %v", tc.size, err)
			case tc.ok && !bytes.Equal(got, want):
				t.Fatalf("%d bytes: read %d different bytes", tc.size, len(got))
			case !tc.ok && !errors.As(err, &mb):
				t.Fatalf("%d bytes: err %v, want *http.MaxBytesError", tc.size, err)
			}
		})
	}
}

// TestReadUnsizedAllocatesAtMostTheLimit checks that a refused body of
// unknown length costs about the limit in buffers, not the larger
// reservations of a growing buffer.
func TestReadUnsizedAllocatesAtMostTheLimit(t *testing.T) {
	const limit = 8 << 20
	r := http.MaxBytesReader(httptest.NewRecorder(), io.NopCloser(&spaces{left: 4 * limit}), limit)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := readUnsized(r, limit)
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatal("a body past the limit was read")
	}
	// The blocks (limit+1 bytes) and the slice of blocks; the margin is
	// for the MaxBytesError and the test's own allocations.
	if got, bound := after.TotalAlloc-before.TotalAlloc, uint64(limit+64<<10); got > bound {
		t.Fatalf("reading a refused body allocated %d bytes, want at most %d", got, bound)
	}
}
