//go:build !amd64 || purego

package index

// prefetchLines is a no-op without the amd64 assembly.
func prefetchLines(p *int32, n int) {}
