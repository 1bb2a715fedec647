package jepsen

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestClientClassifiesOutcomes: the harness's fail/info split decides what
// the checkers may conclude, so every class of reply is pinned here.
func TestClientClassifiesOutcomes(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/slow"):
			time.Sleep(300 * time.Millisecond)
		case strings.HasSuffix(r.URL.Path, "/garbage"):
			fmt.Fprint(w, "<html>")
		default:
			code := strings.TrimPrefix(r.URL.Path, "/v2/vectordb/code")
			w.Header().Set("Raftvec-Session-Token", "0=7")
			fmt.Fprintf(w, `{"code":%s,"message":"m","data":[{"id":"5","val":3}],"topks":[1]}`, code)
		}
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := ln.Addr().String()
	ln.Close()
	c := NewClient(100 * time.Millisecond)
	ctx := context.Background()
	cases := []struct {
		addr, path string
		write      bool
		want       string
	}{
		{addr, "code0", true, TypeOK},
		{addr, "code2", true, TypeFail},     // unavailable: definitely not applied
		{addr, "code3", true, TypeInfo},     // outcome unknown
		{addr, "code10001", true, TypeInfo}, // request deadline
		{addr, "code65535", true, TypeInfo},
		{addr, "code1100", true, TypeFail},
		{addr, "code3", false, TypeFail}, // reads never are info
		{addr, "slow", true, TypeInfo},   // timed out after sending
		{addr, "slow", false, TypeFail},
		{addr, "garbage", true, TypeInfo},
		{closed, "code0", true, TypeFail}, // refused: never reached a server
	}
	for _, tc := range cases {
		r := c.Call(ctx, tc.addr, tc.path, map[string]any{}, nil, tc.write)
		if r.Type != tc.want {
			t.Errorf("%s write=%v: %s (%s), want %s", tc.path, tc.write, r.Type, r.Err, tc.want)
		}
	}
	r := c.Call(ctx, addr, "code0", map[string]any{}, nil, true)
	ids, rows, err := rowIDs(r.Data)
	if err != nil || len(ids) != 1 || ids[0] != 5 || *rows[0].Val != 3 || r.Token != "0=7" || r.Topks[0] != 1 {
		t.Fatalf("decoded %v %v %v %+v", ids, rows, err, r)
	}
}

func TestIDListAndVectors(t *testing.T) {
	if got := idList([]int64{1, -2, 1 << 40}); got != "[1,-2,1099511627776]" {
		t.Fatal(got)
	}
	if a, b := vectorOf(1), vectorOf(2); a[0] == b[0] {
		t.Fatal("vectors of different ids are equal")
	}
}

// TestReplayedWriteToDeadServerIsInfo: the server reads a write on a pooled
// connection and dies before answering; Go's transport replays the request
// (it has an Idempotency-Key), the replay's dial is refused. The first
// attempt may have been applied, so the write is info, not fail.
func TestReplayedWriteToDeadServerIsInfo(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		r := bufio.NewReader(conn)
		// First request: answer it, keeping the connection alive.
		if req, err := http.ReadRequest(r); err == nil {
			io.Copy(io.Discard, req.Body)
			fmt.Fprint(conn, "HTTP/1.1 200 OK\r\nContent-Length: 24\r\n\r\n{\"code\":0,\"data\":{}}    ")
		}
		// Second request: read it, then "crash": no answer, no listener.
		if req, err := http.ReadRequest(r); err == nil {
			io.Copy(io.Discard, req.Body)
		}
		ln.Close()
		conn.Close()
	}()
	c := NewClient(2 * time.Second)
	hdr := map[string]string{"Idempotency-Key": "k1"}
	if r := c.Call(context.Background(), addr, "entities/upsert", map[string]any{}, hdr, true); r.Type != TypeOK {
		t.Fatalf("first write: %+v", r)
	}
	hdr["Idempotency-Key"] = "k2"
	if r := c.Call(context.Background(), addr, "entities/upsert", map[string]any{}, hdr, true); r.Type != TypeInfo {
		t.Fatalf("write read by a server that died: %s (%s), want info", r.Type, r.Err)
	}
}
