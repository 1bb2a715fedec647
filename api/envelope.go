package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/raftvec/raftvec/proxy"
)

// Request headers.
const (
	headerAllowInt64   = "Accept-Type-Allow-Int64"
	headerTimeout      = "Request-Timeout"
	headerSessionToken = "Raftvec-Session-Token" // write reply → Session reads
	// headerDeadline is an absolute deadline (Unix milliseconds) set by the
	// client: a request read after it (it sat in a paused or slow node's
	// socket) is refused unhandled, so an abandoned write is never applied
	// after the client's next one. Assumes clocks agree within the margin
	// the client leaves.
	headerDeadline = "Raftvec-Deadline"
	// headerIdempotencyKey makes a write safe to retry after an unknown
	// outcome (code 3): the same key is applied at most once per shard.
	headerIdempotencyKey = "Idempotency-Key"
	ctxKeyCode           = "raftvec.code"
)

// envelope is the Milvus response body.
type envelope struct {
	Code    int    `json:"code"`
	Data    any    `json:"data,omitempty"`
	Message string `json:"message"`
	Cost    int    `json:"cost"`
	Topks   []int  `json:"topks,omitempty"`
	// Iterator is a search iterator page's next token (iterator.go).
	Iterator *IteratorPage `json:"searchIteratorV2Results,omitempty"`
}

// call is what a route handler sees of its request. Handlers never touch
// the gin context, so they can run under a deadline in their own goroutine.
type call struct {
	body       []byte
	allowInt64 bool
	session    string // Raftvec-Session-Token request header
	idemKey    string // Idempotency-Key request header
}

// handler serves one route. It returns the envelope's data, or a
// searchReply / writeReply carrying extra top-level parts.
type handler func(ctx context.Context, c *call) (any, error)

// searchReply adds the top-level topks of search results.
type searchReply struct {
	rows     []map[string]any
	topks    []int
	iterator *IteratorPage
}

// writeReply adds the session token of a write as a response header.
type writeReply struct {
	data  any
	token string
}

type outcome struct {
	data any
	err  error
}

// route wraps a handler: reads the bounded body, applies Request-Timeout,
// puts the request's database in the context (dbname.go), runs the handler
// and renders the envelope.
func (s *Server) route(h handler, write bool) gin.HandlerFunc {
	return func(gc *gin.Context) {
		body, err := s.requestBody(gc) // read once: auth may have read it
		if err == nil {
			err = firstErr(checkText(body), checkSessionToken(gc.GetHeader(headerSessionToken)))
		}
		if err != nil {
			s.render(gc, outcome{err: err})
			return
		}
		c := &call{
			body:       body,
			allowInt64: strings.EqualFold(strings.TrimSpace(gc.GetHeader(headerAllowInt64)), "true"),
			session:    gc.GetHeader(headerSessionToken),
			idemKey:    gc.GetHeader(headerIdempotencyKey),
		}
		timeout, err := requestTimeout(gc.GetHeader(headerTimeout), gc.GetHeader(headerDeadline), time.Now())
		if err != nil {
			s.render(gc, outcome{err: err})
			return
		}
		db, err := requestDatabase(body, gc.GetHeader(headerDBName))
		if err != nil {
			s.render(gc, outcome{err: err})
			return
		}
		ctx := proxy.WithDatabase(gc.Request.Context(), db)
		if timeout <= 0 {
			data, err := h(ctx, c)
			s.render(gc, outcome{data, err})
			return
		}
		s.render(gc, s.runWithDeadline(ctx, h, c, timeout, write))
	}
}

// runWithDeadline runs h in its own goroutine with a deadline and answers
// 408 when the deadline passes first; the late result is dropped.
func (s *Server) runWithDeadline(parent context.Context, h handler, c *call, d time.Duration, write bool) outcome {
	ctx, cancel := context.WithTimeout(parent, d)
	defer cancel()
	done := make(chan outcome, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("panic in handler", "panic", p, "stack", string(debug.Stack()))
				done <- outcome{err: errf(codeUnexpected, "internal error: %v", p)}
			}
		}()
		data, err := h(ctx, c)
		done <- outcome{data, err}
	}()
	select {
	case o := <-done:
		if o.err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return outcome{err: errTimeout(d.Seconds(), write)}
		}
		return o
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return outcome{err: errTimeout(d.Seconds(), write)}
		}
		return outcome{err: ctx.Err()}
	}
}

// requestTimeout combines Request-Timeout (relative) and Raftvec-Deadline
// (absolute) into the time the handler may take; 0 = none. A deadline that
// has already passed is a timeout before anything was done.
func requestTimeout(rel, abs string, now time.Time) (time.Duration, error) {
	timeout, err := parseTimeout(rel)
	if err != nil || strings.TrimSpace(abs) == "" {
		return timeout, err
	}
	ms, err := strconv.ParseInt(strings.TrimSpace(abs), 10, 64)
	if err != nil || ms <= 0 {
		return 0, invalidf("invalid %s header %q: want Unix milliseconds", headerDeadline, abs)
	}
	left := time.UnixMilli(ms).Sub(now)
	if left <= 0 {
		return 0, errf(codeTimeout, "request timeout: %s passed %s before the request was read; nothing was done", headerDeadline, -left)
	}
	if timeout <= 0 || left < timeout {
		timeout = left
	}
	return timeout, nil
}

// parseTimeout reads Request-Timeout (seconds); absent = none.
func parseTimeout(h string) (time.Duration, error) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, nil
	}
	sec, err := strconv.ParseFloat(h, 64)
	if err != nil || sec <= 0 || sec > 1e6 {
		return 0, invalidf("invalid %s header %q: want a positive number of seconds", headerTimeout, h)
	}
	return time.Duration(sec * float64(time.Second)), nil
}

// readBody reads the request body up to MaxBodyBytes.
func (s *Server) readBody(gc *gin.Context) ([]byte, error) {
	if gc.Request.Body == nil {
		return nil, nil
	}
	if gc.Request.ContentLength > s.cfg.MaxBodyBytes {
		return nil, errBodyTooLarge(s.cfg.MaxBodyBytes)
	}
	r := http.MaxBytesReader(gc.Writer, gc.Request.Body, s.cfg.MaxBodyBytes)
	body, err := readAll(r, gc.Request.ContentLength, s.cfg.MaxBodyBytes)
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return nil, errBodyTooLarge(s.cfg.MaxBodyBytes)
		}
		return nil, errf(codeBadJSON, "cannot read request body: %v", err)
	}
	return body, nil
}

// readAll reads r to the end into one buffer of the announced length
// (io.ReadAll grows and copies a 1.3 MB insert body about a dozen times),
// or, for a body of unknown length (chunked), with readUnsized.
func readAll(r io.Reader, announced, limit int64) ([]byte, error) {
	if announced <= 0 {
		return readUnsized(r, limit)
	}
	buf := make([]byte, announced)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err // a short body is an error, as io.ReadAll reports it
	}
	rest, err := io.ReadAll(r) // empty: net/http stops at Content-Length
	return append(buf, rest...), err
}

// maxReadBlock bounds one block of readUnsized.
const maxReadBlock = 1 << 20

// readUnsized reads a body of unknown length in blocks that double from
// 512 bytes up to maxReadBlock, never allocating past limit+1 bytes in
// all: a body that turns out too large (r is an http.MaxBytesReader, which
// fails once it passes limit) has cost at most limit plus one byte of
// buffers, not the up to 1.5 times more that io.ReadAll's last growth step
// may reserve. The blocks are joined once, at the end.
func readUnsized(r io.Reader, limit int64) ([]byte, error) {
	var blocks [][]byte
	var total int64
	size := int64(512)
	for {
		b := make([]byte, min(size, max(limit+1-total, 1)))
		n, err := io.ReadFull(r, b)
		total += int64(n)
		blocks = append(blocks, b[:n])
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return joinBlocks(blocks, total), nil
		}
		if err != nil {
			return nil, err
		}
		size = min(2*size, maxReadBlock)
	}
}

// joinBlocks concatenates blocks of total bytes (the one block itself when
// there is only one).
func joinBlocks(blocks [][]byte, total int64) []byte {
	if len(blocks) == 1 {
		return blocks[0]
	}
	out := make([]byte, 0, total)
	for _, b := range blocks {
		out = append(out, b...)
	}
	return out
}

// render writes the envelope of an outcome.
func (s *Server) render(gc *gin.Context, o outcome) {
	env := envelope{}
	status := http.StatusOK
	if o.err != nil {
		env.Code, env.Message = toCode(o.err)
		switch env.Code {
		case codeTimeout:
			status = http.StatusRequestTimeout
		case codeUnauthenticated:
			status = http.StatusUnauthorized
		case codeNotPermitted: // e.g. a wrong old password in users/update_password
			status = http.StatusForbidden
		case http.StatusNotFound:
			status = http.StatusNotFound
		}
	} else {
		env.Data = o.data
		switch r := o.data.(type) {
		case searchReply:
			env.Data, env.Topks, env.Iterator = r.rows, r.topks, r.iterator
		case writeReply:
			env.Data = r.data
			if r.token != "" {
				gc.Header(headerSessionToken, r.token)
			}
		}
	}
	writeEnvelope(gc, status, env)
}

// writeEnvelope encodes env as JSON (HTML characters are not escaped).
func writeEnvelope(gc *gin.Context, status int, env envelope) {
	gc.Set(ctxKeyCode, env.Code)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(env); err != nil {
		buf.Reset()
		msg, _ := json.Marshal("cannot encode response: " + err.Error())
		fmt.Fprintf(&buf, `{"code":%d,"message":%s,"cost":0}`, codeUnexpected, msg)
		gc.Set(ctxKeyCode, codeUnexpected)
	}
	gc.Data(status, "application/json; charset=utf-8", buf.Bytes())
}

// abortWith renders an error and stops the middleware chain.
func abortWith(gc *gin.Context, status int, err error) {
	code, msg := toCode(err)
	writeEnvelope(gc, status, envelope{Code: code, Message: msg})
	gc.Abort()
}
