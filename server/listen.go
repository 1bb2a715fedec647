package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/soheilhy/cmux"
	"google.golang.org/grpc"

	"github.com/raftvec/raftvec/grpcapi"
)

// frontEnds is the one listener of the client APIs split by protocol, as
// Milvus does: HTTP/2 requests with content-type application/grpc go to
// the gRPC server, everything else (HTTP/1 REST, /metrics, ...) to the
// HTTP server.
type frontEnds struct {
	m      cmux.CMux
	grpcLn net.Listener
	httpLn net.Listener
	grpc   *grpc.Server
	sniff  *sniffing
}

func (s *Server) openFrontEnds(ln net.Listener) *frontEnds {
	sniff := newSniffing(ln)
	m := cmux.New(sniff)
	f := &frontEnds{m: m, sniff: sniff,
		grpcLn: sniff.handedOn(m.MatchWithWriters(cmux.HTTP2MatchHeaderFieldSendSettings("content-type", "application/grpc"))),
		httpLn: sniff.handedOn(m.Match(cmux.Any())),
		grpc:   grpcapi.NewServer(grpcapi.New(s.api, cmp.Or(s.cfg.Version, "dev"), s.logger, s.grpcMetrics)),
	}
	return f
}

// serve runs the splitter and both servers until ctx is done.
func (s *Server) serveFrontEnds(f *frontEnds) {
	s.goServe(func(ctx context.Context) error { return grpcapi.Serve(ctx, f.grpc, f.grpcLn) })
	s.goServe(func(ctx context.Context) error { return s.api.Serve(ctx, f.httpLn) })
	s.goServe(func(ctx context.Context) error {
		errc := make(chan error, 1)
		go func() { errc <- f.m.Serve() }()
		select {
		case err := <-errc:
			return err
		case <-ctx.Done():
		}
		f.m.Close()
		f.sniff.closeUnmatched()
		if err := <-errc; err != nil && !errors.Is(err, net.ErrClosed) && !errors.Is(err, cmux.ErrListenerClosed) && !errors.Is(err, cmux.ErrServerClosed) {
			return err
		}
		return nil
	})
}

// openDebug opens the --debug-addr listener, if one is set, so that a
// taken port fails Start.
func (s *Server) openDebug() error {
	if s.cfg.DebugAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", s.cfg.DebugAddr)
	if err != nil {
		return fmt.Errorf("server: debug listen (--debug-addr): %w", err)
	}
	s.debugLn = ln
	return nil
}

// serveDebug serves the Go profiler (/debug/pprof/) on the debug listener
// until the node stops. It has no authentication: the address is the
// operator's choice, meant for loopback.
func (s *Server) serveDebug() {
	if s.debugLn == nil {
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index) // also every named profile: heap, goroutine, ...
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	s.goServe(func(ctx context.Context) error {
		stop := context.AfterFunc(ctx, func() { _ = srv.Close() }) // a profile in progress is cut short
		defer stop()
		if err := srv.Serve(s.debugLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("server: debug server: %w", err)
		}
		return nil
	})
}

// DebugAddr returns the bound --debug-addr address, or "" when it is off.
func (s *Server) DebugAddr() string {
	if s.debugLn == nil {
		return ""
	}
	return s.debugLn.Addr().String()
}
