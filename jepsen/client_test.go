package jepsen

import (
	"context"
	"fmt"
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
