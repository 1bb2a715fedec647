package api

import (
	"context"

	"github.com/gin-gonic/gin"
)

// Backup is collection backup and restore, served under /v1/backup/ by an
// Admin that also implements it (package server's does). The collection
// (create) and the target (restore) are in the request's database.
type Backup interface {
	// CreateBackup backs up a collection under a new backup name.
	CreateBackup(ctx context.Context, collection, name string) (any, error)
	// ListBackups lists the complete backups.
	ListBackups(ctx context.Context) (any, error)
	// DescribeBackup returns a backup's manifest.
	DescribeBackup(ctx context.Context, name string) (any, error)
	// RestoreBackup restores a backup into a collection that must not
	// exist yet.
	RestoreBackup(ctx context.Context, name, collection string) (any, error)
	// DeleteBackup deletes a backup (its manifest first), or what a
	// failed one left.
	DeleteBackup(ctx context.Context, name string) (any, error)
}

// backupReq is the body of the /v1/backup/ routes.
type backupReq struct {
	dbReq
	CollectionName string `json:"collectionName"`
	BackupName     string `json:"backupName"`
}

// backupRoutes serves /v1/backup/create|list|describe|restore|delete: admin
// routes (Config.AdminAPI, or the admin user with authentication on).
func (s *Server) backupRoutes(e *gin.Engine) {
	b, ok := s.cfg.Admin.(Backup)
	if !ok {
		return
	}
	g := e.Group("/v1/backup", s.auth(), s.started(), s.adminOnly())
	body := func(c *call, names ...string) (backupReq, error) {
		var r backupReq
		if err := decodeBody(c.body, &r); err != nil {
			return r, err
		}
		for _, n := range names {
			v := r.BackupName
			if n == "collectionName" {
				v = r.CollectionName
			}
			if err := requireName(n, v); err != nil {
				return r, err
			}
		}
		return r, nil
	}
	g.POST("/create", s.route(func(ctx context.Context, c *call) (any, error) {
		r, err := body(c, "collectionName", "backupName")
		if err != nil {
			return nil, err
		}
		out, err := b.CreateBackup(ctx, r.CollectionName, r.BackupName)
		return out, named(err, "collection", r.CollectionName)
	}, true))
	g.POST("/list", s.route(func(ctx context.Context, c *call) (any, error) {
		if _, err := body(c); err != nil {
			return nil, err
		}
		return b.ListBackups(ctx)
	}, false))
	g.POST("/describe", s.route(func(ctx context.Context, c *call) (any, error) {
		r, err := body(c, "backupName")
		if err != nil {
			return nil, err
		}
		return b.DescribeBackup(ctx, r.BackupName)
	}, false))
	g.POST("/restore", s.route(func(ctx context.Context, c *call) (any, error) {
		r, err := body(c, "backupName", "collectionName")
		if err != nil {
			return nil, err
		}
		return b.RestoreBackup(ctx, r.BackupName, r.CollectionName)
	}, true))
	g.POST("/delete", s.route(func(ctx context.Context, c *call) (any, error) {
		r, err := body(c, "backupName")
		if err != nil {
			return nil, err
		}
		return b.DeleteBackup(ctx, r.BackupName)
	}, true))
}
