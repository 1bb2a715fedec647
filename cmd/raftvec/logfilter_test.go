package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/hashicorp/go-hclog"
	hraft "github.com/hashicorp/raft"
)

func TestLogFilter(t *testing.T) {
	closedRead := &net.OpError{Op: "read", Net: "tcp", Err: net.ErrClosed}
	msgpackClosed := errors.New("msgpack decode error [pos 0]: read tcp 127.0.0.1:1->127.0.0.1:2: use of closed network connection")
	msgpackReset := errors.New("msgpack decode error [pos 0]: read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer")
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	for _, tc := range []struct {
		name     string
		level    hclog.Level
		msg      string
		err      error
		stopping bool
		drop     bool
	}{
		{"closed conn read", hclog.Error, "failed to decode incoming command", closedRead, false, true},
		{"closed conn in a msgpack error", hclog.Error, "failed to decode incoming command", msgpackClosed, false, true},
		{"transport shut down", hclog.Error, "failed to decode incoming command", hraft.ErrTransportShutdown, false, true},
		{"reply to a closed conn", hclog.Error, "failed to flush response", fmt.Errorf("write: %w", net.ErrClosed), false, true},
		{"decode error of a bad peer", hclog.Error, "failed to decode incoming command", errors.New("unknown rpc type 9"), false, false},
		{"accept error", hclog.Error, "failed to accept connection", closedRead, true, false},
		{"peer gone while running", hclog.Error, "failed to appendEntries to", io.EOF, false, false},
		{"peer gone while stopping", hclog.Error, "failed to appendEntries to", io.EOF, true, true},
		{"peer reset while stopping", hclog.Error, "failed to make requestVote RPC", msgpackReset, true, true},
		{"peer refused while stopping", hclog.Error, "failed to heartbeat to", refused, true, true},
		{"peer timeout while stopping", hclog.Error, "failed to appendEntries to", errors.New("i/o timeout"), true, false},
		{"other error while stopping", hclog.Error, "failed to take snapshot", io.EOF, true, false},
		{"leadership handed off while stopping", hclog.Error, "peer has newer term, stopping replication", nil, true, true},
		{"leadership lost while running", hclog.Error, "peer has newer term, stopping replication", nil, false, false},
		{"not an error line", hclog.Warn, "failed to decode incoming command", closedRead, false, false},
		{"no error argument", hclog.Error, "failed to decode incoming command", nil, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &logFilter{}
			f.stopping.Store(tc.stopping)
			args := []any{"peer", "n2"}
			if tc.err != nil {
				args = append(args, "error", tc.err)
			}
			if got := f.exclude(tc.level, tc.msg, args...); got != tc.drop {
				t.Fatalf("exclude = %v, want %v", got, tc.drop)
			}
		})
	}
}
