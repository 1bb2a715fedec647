package grpcapi

import (
	"context"
	"encoding/base64"
	"errors"
	"net"
	"runtime/debug"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/milvus-io/milvus-proto/go-api/v2/commonpb"
	"github.com/milvus-io/milvus-proto/go-api/v2/milvuspb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/raftvec/raftvec/api"
	"github.com/raftvec/raftvec/proxy"
)

// MaxMessageBytes bounds one gRPC message either way (Milvus's default
// proxy limits are of the same order).
const MaxMessageBytes = 256 << 20

// Service implements milvuspb.MilvusServiceServer over an api.Server.
type Service struct {
	milvuspb.UnimplementedMilvusServiceServer
	api     *api.Server
	b       api.Backend
	version string
	log     hclog.Logger
	metrics *Metrics // nil: not counted
}

// New returns the service calling a. version is reported by GetVersion and
// Connect; m (may be nil) counts the calls.
func New(a *api.Server, version string, logger hclog.Logger, m *Metrics) *Service {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	return &Service{api: a, b: a.Backend(), version: version, log: logger.Named("grpc"), metrics: m}
}

// NewServer returns a gRPC server with s registered and the auth check
// installed.
func NewServer(s *Service) *grpc.Server {
	g := grpc.NewServer(
		grpc.MaxRecvMsgSize(MaxMessageBytes),
		grpc.MaxSendMsgSize(MaxMessageBytes),
		grpc.UnaryInterceptor(s.intercept),
		// The SDKs ping every 5 s, also between calls; grpc-go's default
		// policy (at most one ping per 5 minutes) would answer with
		// GOAWAY "too_many_pings" and drop idle clients.
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 5 * time.Second, PermitWithoutStream: true}),
	)
	milvuspb.RegisterMilvusServiceServer(g, s)
	return g
}

// Serve serves gRPC on ln until ctx is done, then stops gracefully.
func Serve(ctx context.Context, g *grpc.Server, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- g.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	stopGracefully(g, gracefulStopWait)
	if err := <-errc; err != nil && !errors.Is(err, grpc.ErrServerStopped) && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}

// gracefulStopWait bounds how long a stop waits for calls in flight and
// for clients to close their connections.
const gracefulStopWait = 5 * time.Second

// stopGracefully lets calls in flight finish, then closes whatever is left
// after wait: GracefulStop alone also waits for every client to close its
// connection after the GOAWAY, which a slow or busy client may not do for
// a long time.
func stopGracefully(g *grpc.Server, wait time.Duration) {
	done := make(chan struct{})
	go func() {
		g.GracefulStop()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(wait):
		g.Stop()
		<-done
	}
}

// intercept authenticates every call, refuses calls while the node is
// starting, counts them, and turns a panic into an Internal error (with
// the stack in the log) instead of a crash of the node.
func (s *Service) intercept(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (resp any, err error) {
	start := time.Now()
	method := info.FullMethod[strings.LastIndexByte(info.FullMethod, '/')+1:]
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("panic in gRPC handler", "method", method, "panic", p, "stack", string(debug.Stack()))
			resp, err = nil, status.Errorf(codes.Internal, "internal error: %v", p)
		}
		s.metrics.observe(method, resp, err, start)
	}()
	return s.serve(ctx, req, method, h)
}

func (s *Service) serve(ctx context.Context, req any, method string, h grpc.UnaryHandler) (any, error) {
	db := database(ctx, req)
	ctx, err := s.authorize(ctx, req, method, db)
	if err != nil {
		return nil, err
	}
	if err := s.api.Starting(); err != nil && method != "CheckHealth" {
		return nil, status.Error(codes.Unavailable, err.Error())
	}
	return h(proxy.WithDatabase(ctx, db), req)
}

// databaseHeader is the metadata key the SDKs send the client's database
// in (milvusclient's DBName and UseDatabase, pymilvus's db_name).
const databaseHeader = "dbname"

// database returns the database a call addresses, as Milvus's proxy
// decides it: the request's db_name, else the dbname metadata, else the
// default database. For the database RPCs db_name is their subject, which
// they read themselves.
func database(ctx context.Context, req any) string {
	if r, ok := req.(interface{ GetDbName() string }); ok && r.GetDbName() != "" {
		return r.GetDbName()
	}
	return incoming(ctx, databaseHeader)
}

// credential decodes the authorization metadata: base64 of "user:password"
// or of an API key ("" when absent or not base64).
func credential(ctx context.Context) string {
	md, _ := metadata.FromIncomingContext(ctx)
	for _, v := range md.Get("authorization") {
		if b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v)); err == nil {
			return string(b)
		}
	}
	return ""
}

// ok is the success status.
func ok() *commonpb.Status { return &commonpb.Status{} }

// toStatus maps an error to a Milvus status (nil error: success).
func toStatus(err error) *commonpb.Status {
	if err == nil {
		return ok()
	}
	code, msg := api.Status(err)
	//lint:ignore SA1019 SDKs before Milvus 2.3 read only the legacy error_code
	return &commonpb.Status{Code: int32(code), ErrorCode: legacyCode(code), Reason: msg,
		Retriable: code == 2 || code == 8}
}

// legacyCode is the pre-2.3 ErrorCode older SDKs read beside Code.
//
//lint:ignore SA1019 SDKs before Milvus 2.3 read only the legacy error_code
func legacyCode(code int) commonpb.ErrorCode {
	switch code {
	case 0:
		return commonpb.ErrorCode_Success
	case 1:
		return commonpb.ErrorCode_NotReadyServe
	case 8:
		return commonpb.ErrorCode_RateLimit
	case 100:
		return commonpb.ErrorCode_CollectionNotExists
	case 700:
		return commonpb.ErrorCode_IndexNotExist
	case 1100, 1801, 1802, 1804:
		return commonpb.ErrorCode_IllegalArgument
	case 1401, 1800:
		return commonpb.ErrorCode_PermissionDenied
	}
	return commonpb.ErrorCode_UnexpectedError
}
