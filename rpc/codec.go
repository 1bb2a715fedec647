package rpc

import (
	"bufio"
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"net"
	"net/rpc"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
)

// writeStallTimeout bounds one write of a whole request or response: a peer
// that does not read for that long is treated as gone.
const writeStallTimeout = 30 * time.Second

// aLongTimeAgo is a deadline in the past, used to interrupt a blocked write.
var aLongTimeAgo = time.Unix(1, 0)

var errConnBroken = errors.New("rpc: connection no longer writable")

func init() {
	// Concrete types that travel inside interface-typed fields ([]any,
	// map[string]any). The scalars and []float32 are gob builtins already;
	// registering them again is a no-op that documents the contract.
	gob.Register(map[string]any{})
	gob.Register([]any{})
	gob.Register([]float32{})
	gob.Register(int64(0))
	gob.Register(float64(0))
	gob.Register("")
	gob.Register(false)
}

// callBody is what Client passes to net/rpc as args: the codec encodes args
// and records, for this call only, whether the whole request was written.
type callBody struct {
	ctx      context.Context
	args     any
	sent     atomic.Bool // the whole request was accepted by the kernel
	localErr error       // ctx done or encoding failed: nothing was written
}

// clientCodec is a gob rpc.ClientCodec that writes each request with a
// single conn.Write, so that "the request is complete on the wire" is known
// per call. Any encoding or write failure makes it refuse further writes
// (the gob stream state no longer matches the peer); any read failure
// closes the conn.
type clientCodec struct {
	conn net.Conn
	dec  *gob.Decoder
	enc  *gob.Encoder
	wbuf bytes.Buffer // guarded by net/rpc's request mutex

	broken   atomic.Bool   // no more writes
	readDone chan struct{} // closed when the read side failed
	deadOnce sync.Once

	wmu     sync.Mutex // guards wgen/writing against ctx interruption
	wgen    uint64
	writing bool
}

func newClientCodec(conn net.Conn) *clientCodec {
	c := &clientCodec{conn: conn, dec: gob.NewDecoder(bufio.NewReader(conn)), readDone: make(chan struct{})}
	c.enc = gob.NewEncoder(&c.wbuf)
	return c
}

// usable reports whether new calls may be sent on this codec.
func (c *clientCodec) usable() bool { return !c.broken.Load() }

func (c *clientCodec) WriteRequest(r *rpc.Request, body any) error {
	cb := body.(*callBody)
	if c.broken.Load() {
		return errConnBroken
	}
	if err := cb.ctx.Err(); err != nil {
		cb.localErr = err
		return err
	}
	c.wbuf.Reset()
	if err := encodeBoth(c.enc, r, cb.args); err != nil {
		cb.localErr = fmt.Errorf("rpc: encode request: %w", err)
		c.broken.Store(true) // the encoder now believes types were sent
		return cb.localErr
	}
	if err := c.write(cb.ctx, c.wbuf.Bytes()); err != nil {
		c.broken.Store(true) // a partial message may be on the wire
		if ctxErr := cb.ctx.Err(); ctxErr != nil {
			return fmt.Errorf("%w (%w)", err, ctxErr)
		}
		return err
	}
	cb.sent.Store(true)
	return nil
}

// write sends b in one Write, interrupted when ctx is done. A returned error
// means fewer than len(b) bytes were written, i.e. the peer cannot have
// decoded the request.
func (c *clientCodec) write(ctx context.Context, b []byte) error {
	c.wmu.Lock()
	c.wgen++
	gen := c.wgen
	c.writing = true
	c.conn.SetWriteDeadline(time.Now().Add(writeStallTimeout))
	c.wmu.Unlock()
	stop := context.AfterFunc(ctx, func() {
		c.wmu.Lock()
		if c.writing && c.wgen == gen {
			c.conn.SetWriteDeadline(aLongTimeAgo)
		}
		c.wmu.Unlock()
	})
	n, err := c.conn.Write(b)
	stop()
	c.wmu.Lock()
	c.writing = false
	c.wmu.Unlock()
	if err == nil && n < len(b) {
		err = fmt.Errorf("rpc: short write (%d of %d bytes)", n, len(b))
	}
	return err
}

func (c *clientCodec) ReadResponseHeader(r *rpc.Response) error {
	return c.readErr(c.dec.Decode(r))
}

func (c *clientCodec) ReadResponseBody(body any) error {
	return c.readErr(c.dec.Decode(body))
}

// readErr: net/rpc stops reading after any read error, so the conn is dead.
func (c *clientCodec) readErr(err error) error {
	if err != nil {
		c.deadOnce.Do(func() {
			c.broken.Store(true)
			c.conn.Close()
			close(c.readDone)
		})
	}
	return err
}

func (c *clientCodec) Close() error { return c.conn.Close() }

// encodeBoth encodes header and body; gob panics on nil pointers.
func encodeBoth(enc *gob.Encoder, header, body any) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%v", p)
		}
	}()
	if err := enc.Encode(header); err != nil {
		return err
	}
	return enc.Encode(body)
}

// serverCodec is the gob rpc.ServerCodec of one accepted conn. It remembers
// which requests net/rpc refused before calling a method so that the client
// can tell "rejected" (did not run) from a method error (ran), and writes
// each response with a single Write.
type serverCodec struct {
	conn   net.Conn
	dec    *gob.Decoder
	enc    *gob.Encoder
	wbuf   bytes.Buffer // guarded by net/rpc's sending mutex
	logger hclog.Logger
	seq    uint64 // of the last header read (reader goroutine only)

	mu       sync.Mutex
	rejected map[uint64]struct{}
}

func newServerCodec(conn net.Conn, logger hclog.Logger) *serverCodec {
	c := &serverCodec{conn: conn, dec: gob.NewDecoder(bufio.NewReader(conn)), logger: logger,
		rejected: make(map[uint64]struct{})}
	c.enc = gob.NewEncoder(&c.wbuf)
	return c
}

func (c *serverCodec) ReadRequestHeader(r *rpc.Request) error {
	if err := c.dec.Decode(r); err != nil {
		return err
	}
	c.seq = r.Seq
	return nil
}

// ReadRequestBody: net/rpc passes nil when it discards the body of a request
// it will not run (bad service/method); a decode error also means not run.
func (c *serverCodec) ReadRequestBody(body any) error {
	err := c.dec.Decode(body)
	if body == nil || err != nil {
		c.mu.Lock()
		c.rejected[c.seq] = struct{}{}
		c.mu.Unlock()
	}
	return err
}

func (c *serverCodec) WriteResponse(r *rpc.Response, body any) error {
	resp := *r
	if resp.Error != "" {
		c.mu.Lock()
		_, rejected := c.rejected[r.Seq]
		delete(c.rejected, r.Seq)
		c.mu.Unlock()
		kind := string(rune(kindRan))
		if rejected {
			kind = string(rune(kindRejected))
		}
		resp.Error = kind + resp.Error
	}
	c.wbuf.Reset()
	if err := encodeBoth(c.enc, &resp, body); err != nil {
		// The method ran but its reply cannot be sent; the encoder state is
		// now unreliable, so drop the conn (the client reports ErrNoReply).
		c.logger.Error("cannot encode reply; closing connection", "method", r.ServiceMethod, "error", err)
		c.conn.Close()
		return err
	}
	c.conn.SetWriteDeadline(time.Now().Add(writeStallTimeout))
	if _, err := c.conn.Write(c.wbuf.Bytes()); err != nil {
		c.conn.Close()
		return err
	}
	return nil
}

func (c *serverCodec) Close() error { return c.conn.Close() }
