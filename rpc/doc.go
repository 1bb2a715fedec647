// Package rpc is the binary node-to-node RPC of raftvec: net/rpc with
// encoding/gob, carried over the raft.Mux (kind raft.KindRPC, name
// ServiceName), so every node needs a single TCP port.
//
// # What it owns
//
//   - Server: the mux endpoint (KindRPC, ServiceName) and a net/rpc server.
//     Receivers are registered by name; methods follow net/rpc's rules
//     (func (t *T) M(args A, reply *R) error), are called as "name.M" and
//     run concurrently, one goroutine per request.
//   - Client: a pool with one connection (one *rpc.Client) per remote mux
//     address, dialled lazily by the first caller (concurrent callers share
//     that dial), and retired after any transport failure; the next call
//     dials again. A retired connection is closed when its last in-flight
//     call returns, so replies to requests already sent still arrive.
//   - The wire: after the mux header the server writes one protocol byte
//     (1); a client uses a conn only after reading it. Then a gob stream of
//     net/rpc Request/args and Response/reply pairs, each request and each
//     response written with one conn.Write. Response.Error is prefixed with
//     'E' (the method ran and returned an error) or 'R' (net/rpc refused the
//     request without calling a method). A Coded error travels as
//     "\x00code\x00message" inside that string.
//   - gob registrations (init) of map[string]any, []any, []float32, int64,
//     float64, string and bool, so that interface-typed fields carrying
//     them round-trip. Other concrete types inside interfaces must be
//     registered by their owner. gob sends no zero values: a nil and an
//     empty slice/map field both arrive as nil.
//
// It knows nothing about shards, segments, collections or raft groups; the
// services, their argument types and their error codes belong to callers.
//
// # Did the remote method run? (the contract of Client.Call)
//
//   - nil: it ran and returned nil; reply holds its reply.
//   - *Error (RemoteError ok): it ran and returned an error; Code is what it
//     passed to Coded ("" for a plain error), Msg its message.
//   - errors.Is(err, ErrNoReply): the whole request was accepted by the
//     local kernel (one successful conn.Write) and no reply was received:
//     ctx done while waiting (err also wraps ctx.Err()), connection lost,
//     Client.Close (wraps ErrClosed), reply not decodable. The method may
//     or may not have run, and may still be running.
//   - anything else means it definitely did not run (NotRun reports this):
//     ErrUnreachable (dial, handshake or fault table failed; or the conn
//     failed before the whole request was written), ErrRejected (the peer
//     has no such service/method or could not decode the arguments),
//     ErrClosed (Client closed), a ctx error without ErrNoReply (ctx done
//     before the request was complete on the wire), or a local error (bad
//     arguments, arguments gob cannot encode).
//
// Why "not written" implies "not run": a request is one gob message pair
// sent by one Write; if Write fails, fewer bytes than the whole request
// reached the kernel, the server's decoder cannot complete the body message
// and net/rpc never calls the method. What cannot be told: a successful
// Write only means the kernel took the bytes; if the conn then dies, the
// peer may or may not have read and run the request, hence ErrNoReply. In
// particular a pooled conn whose peer restarted is retired as soon as its
// reader sees EOF; in the short window before that, a call on it is written
// into a dead socket and reports ErrNoReply although the method did not
// run. A call that finds its pooled conn already dead before writing is
// retried once on a fresh conn (transparent reconnect).
//
// A ctx is honoured while dialling, while writing (a write in progress is
// interrupted, which retires the conn: a partial message is on the wire) and
// while waiting for the reply. It is not honoured while waiting for another
// call's write on the same conn to finish (net/rpc serializes writes); each
// write is bounded by its own ctx and by a 30 s stall timeout. The
// deadline is not sent to the server: methods cannot see the caller's ctx
// and must bound their own work. A caller that needs the remote work to stop
// with its ctx sends the deadline in its arguments and, when ctx ends
// without one, a cancel call of its own (shards' Read and CancelRead).
//
// # Goroutines
//
// Server: Serve's accept loop (caller's goroutine), one goroutine per conn
// (ServeCodec) and net/rpc's goroutine per running method, joined by
// ServeCodec; Close (or Serve's ctx) closes the conns and joins them all,
// waiting for running methods. Client: net/rpc's reader goroutine per
// connection; Close closes every connection and waits until each reader has
// seen its conn fail (after that net/rpc only fails pending calls and
// exits). Call runs in the caller's goroutine; an abandoned call (ctx done)
// leaves no goroutine, only a pending entry that a late reply or the conn's
// end clears (its reply is decoded into a private value, never into the
// caller's).
//
// # Must not
//
// Import shard/segment/collection code; use any transport other than the
// Mux; exchange JSON between nodes; decode a reply into the caller's value
// after Call returned; report a call as not run unless its request was
// provably incomplete on the wire or refused before a method was called.
// Registered methods must not panic (net/rpc does not recover: the process
// dies) and must not return an error whose message is empty (net/rpc then
// reports success).
package rpc
