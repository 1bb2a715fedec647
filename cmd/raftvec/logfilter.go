package main

import (
	"errors"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/hashicorp/go-hclog"
	hraft "github.com/hashicorp/raft"
)

// localCloseNoise lists the ERROR messages hashicorp/raft's
// NetworkTransport logs for a connection of a Raft group that this node
// itself is closing (at shutdown, when a group hibernates, when a replica
// moves away): the group's stream layer closes its incoming connections
// under the transport's readers.
var localCloseNoise = map[string]bool{
	"failed to decode incoming command": true,
	"failed to flush response":          true,
}

// peerGoneNoise lists the ERROR messages hashicorp/raft logs when an RPC
// to a peer fails. While this node shuts down they say only that the peers
// are stopping too (a whole cluster stopped at once, or a leadership
// handed to a peer that is itself stopping).
var peerGoneNoise = map[string]bool{
	"failed to appendEntries to":              true,
	"failed to heartbeat to":                  true,
	"failed to make requestVote RPC":          true,
	"failed to pipeline appendEntries":        true,
	"failed to start pipeline replication to": true,
	"failed to send snapshot to":              true,
	"failed to install snapshot":              true,
}

// handoffNoise lists the ERROR messages hashicorp/raft logs on a leader
// whose leadership was handed to a peer, as a stopping node hands off every
// group it leads (the peer's election raised the term).
var handoffNoise = map[string]bool{
	"peer has newer term, stopping replication": true,
}

// logFilter is the node logger's hclog Exclude: it drops the ERROR lines
// of a clean shutdown, which would otherwise make every stop look like a
// failure. It drops only the messages above, and only with the errors a
// closed connection gives (or, for a handoff, only while stopping);
// everything else is logged as before.
type logFilter struct {
	stopping atomic.Bool  // set once this node begins its shutdown
	dropped  atomic.Int64 // lines about peers dropped while stopping
}

// exclude implements hclog.LoggerOptions.Exclude. It runs under the
// logger's lock, so it must not log.
func (f *logFilter) exclude(level hclog.Level, msg string, args ...any) bool {
	if level != hclog.Error {
		return false
	}
	if handoffNoise[msg] && f.stopping.Load() {
		f.dropped.Add(1)
		return true
	}
	err := errorArg(args)
	switch {
	case err == nil:
		return false
	case localCloseNoise[msg]:
		return isLocalClose(err)
	case peerGoneNoise[msg] && f.stopping.Load() && isConnLost(err):
		f.dropped.Add(1)
		return true
	}
	return false
}

// errorArg returns the value of the "error" key of a log line's key-value
// pairs.
func errorArg(args []any) error {
	for i := 1; i < len(args); i += 2 {
		if args[i-1] == "error" {
			err, _ := args[i].(error)
			return err
		}
	}
	return nil
}

// isLocalClose reports whether err means this node closed the connection
// or the transport.
func isLocalClose(err error) bool {
	return errors.Is(err, net.ErrClosed) || errors.Is(err, hraft.ErrTransportShutdown) ||
		strings.Contains(err.Error(), net.ErrClosed.Error()) // msgpack decode errors do not wrap
}

// connLostText is how a lost connection reads in errors that do not wrap
// their cause (hashicorp/raft's msgpack decode errors).
var connLostText = []string{"EOF", "connection refused", "connection reset by peer", "broken pipe"}

// isConnLost reports whether err says a peer's connection closed or was
// refused (the peer's process stopped).
func isConnLost(err error) bool {
	if isLocalClose(err) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	s := err.Error()
	for _, t := range connLostText {
		if strings.HasSuffix(s, t) {
			return true
		}
	}
	return false
}
