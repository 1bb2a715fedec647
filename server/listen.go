package server

import (
	"cmp"
	"context"
	"errors"
	"net"

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
}

func (s *Server) openFrontEnds(ln net.Listener) *frontEnds {
	m := cmux.New(ln)
	f := &frontEnds{m: m,
		grpcLn: m.MatchWithWriters(cmux.HTTP2MatchHeaderFieldSendSettings("content-type", "application/grpc")),
		httpLn: m.Match(cmux.Any()),
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
		if err := <-errc; err != nil && !errors.Is(err, net.ErrClosed) && !errors.Is(err, cmux.ErrListenerClosed) && !errors.Is(err, cmux.ErrServerClosed) {
			return err
		}
		return nil
	})
}
