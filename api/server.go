package api

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/hashicorp/go-hclog"
	"github.com/prometheus/client_golang/prometheus"
)

// DefaultMaxBodyBytes is the default limit on a request body.
const DefaultMaxBodyBytes = 64 << 20

// Config configures the HTTP server.
type Config struct {
	Addr         string
	AuthEnabled  bool
	Users        map[string]string // user → password
	APIKeys      []string
	MaxBodyBytes int64 // default 64 MiB
	Logger       hclog.Logger
	// Admin serves /v1/cluster/...; nil leaves those routes out.
	Admin Admin
	// AdminAPI opts in to the routes that change the cluster's membership
	// (/v1/cluster/nodes/add, /v1/cluster/nodes/remove) for every caller
	// that passes authentication. Without it only the admin user (root,
	// with AuthEnabled) may call them; everyone else gets code 1401.
	AdminAPI bool
	// Starting, when set, returns a non-nil error while the node has not
	// finished starting (joining its cluster, waiting for a metadata
	// leader): /readyz then answers 503 with it and the Milvus routes
	// answer code 1. /healthz, /metrics and the read-only admin routes are
	// served from the first moment.
	Starting func() error
	// Testing serves /v1/test/... (Jepsen suite only); nil leaves them out.
	Testing Testing
	// Collectors are the node's own metrics, served on /metrics beside
	// the HTTP and process ones.
	Collectors []prometheus.Collector
}

// Server is the HTTP API of one node.
type Server struct {
	cfg     Config
	b       Backend
	log     hclog.Logger
	engine  *gin.Engine
	reg     *prometheus.Registry
	metrics *metrics
	creds   credCache // verified stored users' credentials (access.go)
}

var ginModeOnce sync.Once

// New returns a server calling b.
func New(cfg Config, b Backend) *Server {
	ginModeOnce.Do(func() { gin.SetMode(gin.ReleaseMode) })
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	s := &Server{cfg: cfg, b: b, log: cfg.Logger.Named("api"), reg: prometheus.NewRegistry()}
	s.metrics = newMetrics(s.reg)
	s.reg.MustRegister(cfg.Collectors...)
	s.engine = s.buildEngine()
	return s
}

// Handler returns the HTTP handler of every route.
func (s *Server) Handler() http.Handler { return s.engine.Handler() }

// Serve serves HTTP on ln until ctx is done, then shuts down gracefully
// (in-flight requests get up to 10 s).
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

// routeSpec is one Milvus route: path under /v2/vectordb/, handler, and
// whether it writes data (for the timeout message).
type routeSpec struct {
	path  string
	h     handler
	write bool
}

func (s *Server) routes() []routeSpec {
	return []routeSpec{
		{"collections/create", s.createCollection, false},
		{"collections/describe", s.describeCollection, false},
		{"collections/list", s.listCollections, false},
		{"collections/has", s.hasCollection, false},
		{"collections/drop", s.dropCollection, false},
		{"collections/load", s.loadCollection, false},
		{"collections/release", s.releaseCollection, false},
		{"collections/refresh_load", s.loadCollection, false},
		{"collections/get_load_state", s.loadState, false},
		{"collections/get_stats", s.collectionStats, false},
		{"collections/rename", s.renameCollection, false},
		{"collections/flush", s.flushCollection, false},
		{"collections/compact", s.compactCollection, false},
		{"collections/get_compaction_state", s.compactionState, false},
		{"collections/alter_properties", s.alterProperties, false},
		{"collections/drop_properties", s.dropProperties, false},
		{"jobs/import/create", s.createImport, false},
		{"jobs/import/list", s.listImports, false},
		{"jobs/import/get_progress", s.importProgress, false},
		{"entities/insert", s.insert, true},
		{"entities/upsert", s.upsert, true},
		{"entities/delete", s.deleteEntities, true},
		{"entities/get", s.getEntities, false},
		{"entities/query", s.query, false},
		{"entities/search", s.search, false},
		{"entities/hybrid_search", s.hybridSearch, false},
		{"partitions/create", s.createPartition, false},
		{"partitions/drop", s.dropPartition, false},
		{"partitions/has", s.hasPartition, false},
		{"partitions/list", s.listPartitions, false},
		{"partitions/load", s.loadPartitions, false},
		{"partitions/release", s.releasePartitions, false},
		{"partitions/get_stats", s.partitionStats, false},
		{"indexes/create", s.createIndex, false},
		{"indexes/describe", s.describeIndex, false},
		{"indexes/list", s.listIndexes, false},
		{"indexes/drop", s.dropIndex, false},
		{"aliases/create", s.createAlias, false},
		{"aliases/alter", s.alterAlias, false},
		{"aliases/drop", s.dropAlias, false},
		{"aliases/describe", s.describeAlias, false},
		{"aliases/list", s.listAliases, false},
		{"databases/create", s.createDatabase, false},
		{"databases/list", s.listDatabases, false},
		{"databases/describe", s.describeDatabase, false},
		{"databases/drop", s.dropDatabase, false},
		{"databases/alter", s.alterDatabase, false},
		{"databases/drop_properties", s.dropDatabaseProperties, false},
		{"users/create", s.createUser, false},
		{"users/drop", s.dropUser, false},
		{"users/list", s.listUsers, false},
		{"users/describe", s.describeUser, false},
		{"users/update_password", s.updatePassword, false},
		{"users/grant_role", s.grantRole, false},
		{"users/revoke_role", s.revokeRole, false},
		{"roles/create", s.createRole, false},
		{"roles/drop", s.dropRole, false},
		{"roles/list", s.listRoles, false},
		{"roles/describe", s.describeRole, false},
		{"roles/grant_privilege", s.grantPrivilege, false},
		{"roles/revoke_privilege", s.revokePrivilege, false},
	}
}

func (s *Server) buildEngine() *gin.Engine {
	e := gin.New()
	e.HandleMethodNotAllowed = false
	e.Use(s.recovery(), s.observe())
	// With auth on, an unauthenticated request for an unknown path gets the
	// auth error, so the routes of a node are not revealed to strangers.
	e.NoRoute(s.auth(), func(gc *gin.Context) { abortWith(gc, http.StatusNotFound, errNotFoundPath) })
	e.GET("/healthz", func(gc *gin.Context) { gc.String(http.StatusOK, "ok\n") })
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", gin.WrapH(s.metricsHandler()))
	v2 := e.Group("/v2/vectordb", s.auth(), s.started())
	for _, r := range s.routes() {
		v2.POST("/"+r.path, s.route(r.h, r.write))
	}
	s.adminRoutes(e)
	s.backupRoutes(e)
	s.consoleRoutes(e)
	s.pprofRoutes(e)
	s.testRoutes(e)
	for _, r := range e.Routes() {
		if _, ok := privilegeOf(r.Path); !ok && needsPrivilege(r.Path) {
			panic("api: route " + r.Path + " has no entry in routePrivileges (access.go)")
		}
	}
	return e
}

func (s *Server) readyz(gc *gin.Context) {
	err := s.startErr()
	if err == nil {
		err = s.b.Ready(gc.Request.Context())
	}
	if err != nil {
		gc.String(http.StatusServiceUnavailable, "not ready: %v\n", err)
		return
	}
	gc.String(http.StatusOK, "ready\n")
}

// startErr is Config.Starting's answer (nil once started, or without it).
func (s *Server) startErr() error {
	if s.cfg.Starting == nil {
		return nil
	}
	return s.cfg.Starting()
}

// started refuses the Milvus routes with code 1 while the node is starting.
func (s *Server) started() gin.HandlerFunc {
	return func(gc *gin.Context) {
		if err := s.startErr(); err != nil {
			abortWith(gc, http.StatusOK, fmt.Errorf("%w: %w", ErrNotReady, err))
			return
		}
		gc.Next()
	}
}
