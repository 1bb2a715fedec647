package api

import (
	"context"
	"io/fs"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/raftvec/raftvec/console"
	"github.com/raftvec/raftvec/proxy"
)

// consoleRoutes serves the web console's files at /console/ and the one
// route only it needs: a search that also reports how each shard
// answered. The files are static and carry no data, so they are served
// without authentication; every call they make goes through the API's
// own auth.
func (s *Server) consoleRoutes(e *gin.Engine) {
	files, err := fs.Sub(console.Files, "static")
	if err != nil {
		panic("api: the console's embedded files are missing: " + err.Error())
	}
	e.GET("/console", func(gc *gin.Context) { gc.Redirect(http.StatusMovedPermanently, "/console/") })
	e.StaticFS("/console/", http.FS(files))
	e.POST("/v1/console/search", s.auth(), s.started(), s.route(s.explainSearch, false))
}

// explainSearch runs entities/search (same body, same checks) and adds
// each shard read: the replica that answered, its role and its time.
func (s *Server) explainSearch(ctx context.Context, c *call) (any, error) {
	ctx, trace := proxy.WithReadTrace(ctx)
	start := time.Now()
	data, err := s.search(ctx, c)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"shards": trace.Reads(), "ms": float64(time.Since(start).Microseconds()) / 1e3}
	if r, ok := data.(searchReply); ok {
		out["results"], out["topks"] = r.rows, r.topks
	} else {
		out["results"] = data
	}
	return out, nil
}
