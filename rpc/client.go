package rpc

import (
	"context"
	"errors"
	"fmt"
	"net/rpc"
	"reflect"
	"sync"
	"time"

	"github.com/raftvec/raftvec/raft"
)

// Client calls methods on remote Servers through the mux. It keeps one
// connection (one *rpc.Client) per remote address, dialled lazily by the
// first caller; a connection that failed is retired and re-dialled by the
// next call. Safe for concurrent use.
type Client struct {
	mux         *raft.Mux
	dialTimeout time.Duration

	mu     sync.Mutex
	closed bool
	peers  map[string]*peer   // current connection per address
	live   map[*peer]struct{} // every connected peer not yet closed
}

// peer is one connection to one address. ready is closed when the dial
// finished; err and the fields after it are then immutable.
type peer struct {
	addr   string
	ready  chan struct{}
	err    error
	cut    bool // the dial was cut short by the dialer's ctx
	rc     *rpc.Client
	codec  *clientCodec
	closed bool // guarded by Client.mu, like the two below
	// inflight counts Calls using the peer; a retired peer is closed when
	// it drops to zero, so that replies to calls already sent still arrive.
	inflight int
	retired  bool
}

// NewClient returns a Client dialling through mux; dialTimeout bounds dial
// plus handshake (<= 0: 5 s).
func NewClient(mux *raft.Mux, dialTimeout time.Duration) *Client {
	if dialTimeout <= 0 {
		dialTimeout = 5 * time.Second
	}
	return &Client{mux: mux, dialTimeout: dialTimeout, peers: make(map[string]*peer), live: make(map[*peer]struct{})}
}

// Call invokes method ("Service.Method") on the Server at addr and waits for
// the reply or ctx. args must be a non-nil value gob can encode; reply a
// non-nil pointer (or nil to discard the reply). The reply is decoded into a
// fresh value that replaces *reply only when Call returns nil. doc.go says
// what each error tells about whether the method ran; in short: ErrNoReply
// means it may have run, a remote *Error that it ran, anything else
// (NotRun) that it did not.
func (c *Client) Call(ctx context.Context, addr, method string, args, reply any) error {
	if err := checkArgs(args, reply); err != nil {
		return fmt.Errorf("rpc: call %s: %w", method, err)
	}
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("rpc: call %s on %s: %w", method, addr, err)
		}
		p, fresh, err := c.acquire(ctx, addr)
		if err != nil {
			return fmt.Errorf("rpc: call %s on %s: %w", method, addr, err)
		}
		stale, err := c.callOn(ctx, p, method, args, reply)
		c.release(p, stale || !p.codec.usable())
		// A pooled conn that turned out dead before anything was written:
		// the call did not run, so one retry on a fresh conn is safe.
		if stale && !fresh && attempt == 0 {
			continue
		}
		if err != nil {
			return fmt.Errorf("rpc: call %s on %s: %w", method, addr, err)
		}
		return nil
	}
}

func checkArgs(args, reply any) error {
	if args == nil {
		return errors.New("nil args")
	}
	if v := reflect.ValueOf(args); v.Kind() == reflect.Pointer && v.IsNil() {
		return errors.New("nil args pointer")
	}
	if reply != nil {
		if v := reflect.ValueOf(reply); v.Kind() != reflect.Pointer || v.IsNil() {
			return fmt.Errorf("reply must be a non-nil pointer, got %T", reply)
		}
	}
	return nil
}

// callOn runs one call on p. stale reports a transport failure before the
// request was written (the conn must be retired; the call did not run).
func (c *Client) callOn(ctx context.Context, p *peer, method string, args, reply any) (stale bool, err error) {
	cb := &callBody{ctx: ctx, args: args}
	var tmp reflect.Value // fresh reply value: an abandoned call may still be decoded into it
	var tmpI any
	if reply != nil {
		tmp = reflect.New(reflect.TypeOf(reply).Elem())
		tmpI = tmp.Interface()
	}
	call := p.rc.Go(method, cb, tmpI, make(chan *rpc.Call, 1))
	select {
	case <-call.Done:
	case <-ctx.Done():
		select {
		case <-call.Done: // finished meanwhile: report the real outcome
		default:
			// Go returns only after the write finished, so the request is
			// complete on the wire (cb.sent); were it not, a late write
			// could still complete: "may have run" either way.
			return false, fmt.Errorf("%w: %w", ErrNoReply, ctx.Err())
		}
	}
	if call.Error == nil {
		if reply != nil {
			reflect.ValueOf(reply).Elem().Set(tmp.Elem())
		}
		return false, nil
	}
	stale, err = classify(ctx, cb, call.Error)
	if c.isClosed() && !errors.Is(err, ErrClosed) {
		err = fmt.Errorf("%w (%w)", err, ErrClosed)
	}
	return stale, err
}

func (c *Client) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// classify maps a failed call to the package's error contract; stale means
// the conn failed before the request was complete (did not run, retryable).
func classify(ctx context.Context, cb *callBody, err error) (stale bool, _ error) {
	var se rpc.ServerError
	switch {
	case errors.As(err, &se):
		return false, parseRemote(string(se))
	case cb.sent.Load():
		return false, fmt.Errorf("%w: %w", ErrNoReply, err)
	case cb.localErr != nil:
		return false, cb.localErr // ctx done before writing, or args not encodable
	case ctx.Err() != nil: // write cut by ctx: the request is incomplete
		if !errors.Is(err, ctx.Err()) {
			err = fmt.Errorf("%w: %w", err, ctx.Err())
		}
		return false, err
	default:
		// rpc.ErrShutdown (conn found dead or closing), errConnBroken, or a
		// write error with the request incomplete.
		return true, fmt.Errorf("%w: %w", ErrUnreachable, err)
	}
}

// acquire returns the peer for addr (dialling if needed) with inflight
// incremented; fresh is true when this caller dialled it.
func (c *Client) acquire(ctx context.Context, addr string) (p *peer, fresh bool, err error) {
	for range 3 {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return nil, false, ErrClosed
		}
		p = c.peers[addr]
		if p == nil {
			p = &peer{addr: addr, ready: make(chan struct{})}
			c.peers[addr] = p
			p.inflight++
			c.mu.Unlock()
			if err := c.dial(ctx, addr, p); err != nil {
				return nil, false, err
			}
			return p, true, nil
		}
		p.inflight++
		c.mu.Unlock()
		select {
		case <-p.ready:
		case <-ctx.Done():
			c.release(p, false)
			return nil, false, ctx.Err()
		}
		if p.err == nil && p.codec.usable() {
			return p, false, nil
		}
		c.release(p, true)
		if p.err != nil && !p.cut {
			return nil, false, p.err // someone else's dial failed just now
		}
	}
	return nil, false, fmt.Errorf("%w: %s: connection keeps failing", ErrUnreachable, addr)
}

// release undoes acquire's inflight increment; retire drops p from the pool
// first. The last user of a retired peer closes it.
func (c *Client) release(p *peer, retire bool) {
	c.mu.Lock()
	p.inflight--
	if retire && !p.retired {
		p.retired = true
		if c.peers[p.addr] == p {
			delete(c.peers, p.addr)
		}
	}
	closeNow := p.retired && p.inflight == 0 && p.rc != nil && !p.closed
	if closeNow {
		p.closed = true
		delete(c.live, p)
	}
	c.mu.Unlock()
	if closeNow {
		p.rc.Close()
		<-p.codec.readDone // the reader fails at once on the closed conn
	}
}

// Close closes every connection (in-flight calls fail with ErrNoReply) and
// waits until their reader goroutines have stopped. Later calls fail with
// ErrClosed.
func (c *Client) Close() error {
	c.mu.Lock()
	c.closed = true
	peers := make([]*peer, 0, len(c.live))
	for p := range c.live {
		p.closed = true
		peers = append(peers, p)
	}
	clear(c.live)
	clear(c.peers)
	c.mu.Unlock()
	for _, p := range peers {
		p.rc.Close()
		<-p.codec.readDone
	}
	return nil
}
