package rpc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/rpc"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/raftvec/raftvec/raft"
)

// ServiceName is the mux name of KindRPC connections.
const ServiceName = "rpc"

// protocolVersion is the byte a Server writes on every accepted conn before
// serving it; a client uses a conn only after reading it.
const protocolVersion byte = 1

// handshakeWriteTimeout bounds writing the protocol byte.
const handshakeWriteTimeout = 5 * time.Second

// Server serves registered receivers (net/rpc rules: exported methods of the
// form func (t *T) M(args A, reply *R) error) on the mux endpoint
// (KindRPC, ServiceName).
//
// Goroutines: Serve's accept loop (the caller's goroutine), one goroutine per
// conn running rpc.Server.ServeCodec, and net/rpc's goroutine per in-flight
// method call, which ServeCodec joins before returning. Close joins them all.
type Server struct {
	layer  *raft.StreamLayer
	srv    *rpc.Server
	logger hclog.Logger

	mu       sync.Mutex
	serving  bool
	closed   bool
	serveWG  sync.WaitGroup // Serve
	connWG   sync.WaitGroup // per-conn goroutines
	stopOnce sync.Once
}

// NewServer registers the (KindRPC, ServiceName) endpoint on mux. logger may
// be nil.
func NewServer(mux *raft.Mux, logger hclog.Logger) (*Server, error) {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	l, err := mux.Listen(raft.KindRPC, ServiceName)
	if err != nil {
		return nil, fmt.Errorf("rpc: listen: %w", err)
	}
	return &Server{layer: l, srv: rpc.NewServer(), logger: logger}, nil
}

// Register publishes rcvr's eligible methods as "name.Method". Methods of
// other shapes are silently skipped (net/rpc); registering a receiver with
// no eligible method, or a name twice, is an error. Safe while serving.
func (s *Server) Register(name string, rcvr any) error {
	if name == "" {
		return errors.New("rpc: register: empty service name")
	}
	if err := s.srv.RegisterName(name, rcvr); err != nil {
		return fmt.Errorf("rpc: register %s: %w", name, err)
	}
	return nil
}

// Serve accepts conns until ctx is done, Close is called or the mux is
// closed, then closes every conn and waits for their goroutines (hence for
// in-flight methods) before returning nil. It returns an error only if
// Serve was already called or the endpoint fails in another way (the server
// is then shut down too).
func (s *Server) Serve(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	if s.serving {
		s.mu.Unlock()
		return errors.New("rpc: Serve called twice")
	}
	s.serving = true
	s.serveWG.Add(1)
	s.mu.Unlock()
	defer s.serveWG.Done()

	stop := context.AfterFunc(ctx, s.shutdown)
	defer stop()
	err := s.acceptLoop()
	s.shutdown()
	s.connWG.Wait()
	return err
}

func (s *Server) acceptLoop() error {
	for {
		conn, err := s.layer.Accept()
		if err != nil {
			if s.isClosed() || errors.Is(err, net.ErrClosed) {
				return nil // Close, ctx, or the mux itself closed
			}
			return fmt.Errorf("rpc: accept: %w", err)
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			conn.Close()
			return nil
		}
		s.connWG.Add(1)
		s.mu.Unlock()
		go s.serveConn(conn)
	}
}

// serveConn writes the protocol byte and serves conn until it fails or is
// closed (the StreamLayer closes every live conn on shutdown).
func (s *Server) serveConn(conn net.Conn) {
	defer s.connWG.Done()
	conn.SetWriteDeadline(time.Now().Add(handshakeWriteTimeout))
	if _, err := conn.Write([]byte{protocolVersion}); err != nil {
		s.logger.Debug("handshake failed", "remote", conn.RemoteAddr(), "error", err)
		conn.Close()
		return
	}
	conn.SetWriteDeadline(time.Time{})
	s.srv.ServeCodec(newServerCodec(conn, s.logger))
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// shutdown stops accepting and closes every conn; it never blocks on
// goroutines.
func (s *Server) shutdown() {
	s.stopOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.layer.Close()
	})
}

// Close stops Serve, closes every conn (calls in flight get ErrNoReply on
// the client) and waits for all server goroutines, including methods still
// running: methods must return in bounded time. Idempotent.
func (s *Server) Close() error {
	s.shutdown()
	s.serveWG.Wait()
	s.connWG.Wait()
	return nil
}
