package api

import (
	"net/http/pprof"

	"github.com/gin-gonic/gin"
)

// pprofRoutes serves Go's profiler under /debug/pprof/ (CPU profile,
// heap, goroutines) for operators: behind auth and the same opt-in as the
// membership routes (Config.AdminAPI or the admin user), since a profile
// costs CPU and reveals internals.
func (s *Server) pprofRoutes(e *gin.Engine) {
	g := e.Group("/debug/pprof", s.auth(), s.adminOnly())
	g.GET("/", gin.WrapF(pprof.Index))
	g.GET("/cmdline", gin.WrapF(pprof.Cmdline))
	g.GET("/profile", gin.WrapF(pprof.Profile))
	g.GET("/symbol", gin.WrapF(pprof.Symbol))
	g.GET("/trace", gin.WrapF(pprof.Trace))
	g.GET("/:name", func(gc *gin.Context) { pprof.Handler(gc.Param("name")).ServeHTTP(gc.Writer, gc.Request) })
}
