package rpc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/rpc"
	"time"

	"github.com/raftvec/raftvec/raft"
)

// dial connects p (registered in c.peers by the caller, with inflight 1)
// and publishes the outcome by closing p.ready. On failure p leaves the pool.
func (c *Client) dial(ctx context.Context, addr string, p *peer) error {
	rc, codec, err := c.connect(ctx, addr)
	c.mu.Lock()
	if err == nil && c.closed {
		err = ErrClosed
		defer func() { rc.Close(); <-codec.readDone }()
	}
	if err != nil {
		p.err, p.cut = err, ctx.Err() != nil
		p.inflight--
		p.retired = true
		if c.peers[addr] == p {
			delete(c.peers, addr)
		}
	} else {
		p.rc, p.codec = rc, codec
		c.live[p] = struct{}{}
	}
	close(p.ready)
	c.mu.Unlock()
	return err
}

// connect dials addr's mux for ServiceName and waits for the server's
// handshake byte, so that a mux without a live Server (none registered,
// closed, backlog full, peer blocked) fails here with ErrUnreachable rather
// than after a request was written.
func (c *Client) connect(ctx context.Context, addr string) (*rpc.Client, *clientCodec, error) {
	timeout := c.dialTimeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl))
	}
	if timeout <= 0 {
		return nil, nil, fmt.Errorf("%w: dial %s: %w", ErrUnreachable, addr, context.DeadlineExceeded)
	}
	conn, err := c.mux.Dial(raft.KindRPC, ServiceName, addr, timeout)
	if err == nil {
		if err = awaitHandshake(ctx, conn, timeout); err != nil {
			conn.Close()
		}
	}
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w (%w)", err, ctxErr)
		}
		return nil, nil, fmt.Errorf("%w: dial %s: %w", ErrUnreachable, addr, err)
	}
	codec := newClientCodec(conn)
	return rpc.NewClientWithCodec(codec), codec, nil
}

// awaitHandshake reads the server's protocol byte within timeout or ctx.
func awaitHandshake(ctx context.Context, conn net.Conn, timeout time.Duration) error {
	conn.SetReadDeadline(time.Now().Add(timeout))
	stop := context.AfterFunc(ctx, func() { conn.SetReadDeadline(aLongTimeAgo) })
	var b [1]byte
	_, err := io.ReadFull(conn, b[:])
	if !stop() && err == nil {
		err = ctx.Err() // the deadline may have been moved: do not trust conn
	}
	switch {
	case err != nil:
		return fmt.Errorf("handshake: %w", err)
	case b[0] != protocolVersion:
		return fmt.Errorf("handshake: unknown protocol version %d", b[0])
	}
	return conn.SetReadDeadline(time.Time{})
}
