package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/raftvec/raftvec/proxy"
)

// Admin is raftvec's own cluster administration, served under /v1/ beside
// the Milvus routes. A nil Admin leaves those routes out.
type Admin interface {
	// ClusterStatus returns every node and every Raft group as each node
	// sees it (leader, term, commit and applied index, role).
	ClusterStatus(ctx context.Context) (any, error)
	// Nodes returns the node registry.
	Nodes(ctx context.Context) (any, error)
	// AddNode adds a node to the cluster (it must be running with --join).
	AddNode(ctx context.Context, id, raftAddr, httpAddr string) error
	// RemoveNode removes a node: its replicas move to other nodes.
	RemoveNode(ctx context.Context, id string) error
	// Segments lists a collection's segments: state, rows, deleted rows,
	// size, object keys. Its collection, as Trace's, is in the context's
	// database (?dbName=).
	Segments(ctx context.Context, collection string) (any, error)
	// Trace locates one entity by primary key: shard, Raft group, segment,
	// chunk objects, delta log, index files, replicas.
	Trace(ctx context.Context, collection, pk string) (any, error)
	// Storage reports what the object store holds: objects and bytes by
	// kind and by collection.
	Storage(ctx context.Context) (any, error)
}

// inDatabase addresses the collection routes under /v1/ to the database
// of their ?dbName= query parameter, when given (else the DB-Name header's,
// else the default database).
func inDatabase(ctx context.Context, db string) context.Context {
	if db == "" {
		return ctx
	}
	return proxy.WithDatabase(ctx, db)
}

// nodeReq is the body of /v1/cluster/nodes/add and /remove.
type nodeReq struct {
	dbReq
	NodeID   string `json:"nodeID"`
	RaftAddr string `json:"raftAddr"`
	HTTPAddr string `json:"httpAddr"`
}

// adminOnly guards the routes that change the cluster's membership (and
// the profiler): one call can take a node's metadata group out of
// service, so they are served only with Config.AdminAPI or, with
// authentication on, to callers holding the admin role (root always does).
// It runs after auth, which has checked the same with auth on; without
// auth and without Config.AdminAPI it refuses.
func (s *Server) adminOnly() gin.HandlerFunc {
	return func(gc *gin.Context) {
		if s.cfg.AdminAPI || (s.cfg.AuthEnabled && principalOf(gc.Request.Context()).IsAdmin()) {
			gc.Next()
			return
		}
		abortWith(gc, http.StatusForbidden, errAdminDisabled)
	}
}

func (s *Server) adminRoutes(e *gin.Engine) {
	if s.cfg.Admin == nil {
		return
	}
	v1 := e.Group("/v1/cluster", s.auth())
	get := func(fn func(context.Context) (any, error)) gin.HandlerFunc {
		return s.route(func(ctx context.Context, _ *call) (any, error) { return fn(ctx) }, false)
	}
	v1.GET("/status", get(s.cfg.Admin.ClusterStatus))
	e.GET("/v1/collections/:name/entities/:pk/trace", s.auth(), func(gc *gin.Context) {
		name, pk, db := gc.Param("name"), gc.Param("pk"), gc.Query("dbName")
		s.route(func(ctx context.Context, _ *call) (any, error) {
			return s.cfg.Admin.Trace(inDatabase(ctx, db), name, pk)
		}, false)(gc)
	})
	e.GET("/v1/collections/:name/segments", s.auth(), func(gc *gin.Context) {
		name, db := gc.Param("name"), gc.Query("dbName")
		s.route(func(ctx context.Context, _ *call) (any, error) {
			return s.cfg.Admin.Segments(inDatabase(ctx, db), name)
		}, false)(gc)
	})
	v1.GET("/nodes", get(s.cfg.Admin.Nodes))
	v1.GET("/storage", get(s.cfg.Admin.Storage))
	// Membership changes: opt-in (Config.AdminAPI) or the admin user.
	members := v1.Group("/nodes", s.adminOnly())
	members.POST("/add", s.route(func(ctx context.Context, c *call) (any, error) {
		var r nodeReq
		if err := decodeBody(c.body, &r); err != nil {
			return nil, err
		}
		if err := firstErr(requireName("nodeID", r.NodeID), requireName("raftAddr", r.RaftAddr)); err != nil {
			return nil, err
		}
		return map[string]any{}, s.cfg.Admin.AddNode(ctx, r.NodeID, r.RaftAddr, r.HTTPAddr)
	}, true))
	members.POST("/remove", s.route(func(ctx context.Context, c *call) (any, error) {
		var r nodeReq
		if err := decodeBody(c.body, &r); err != nil {
			return nil, err
		}
		if err := requireName("nodeID", r.NodeID); err != nil {
			return nil, err
		}
		return map[string]any{}, s.cfg.Admin.RemoveNode(ctx, r.NodeID)
	}, true))
}
