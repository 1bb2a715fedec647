package storage

import (
	"context"
	"errors"
	"time"
)

// Observer is told of every call through an instrumented store (package
// telemetry's Store implements it).
type Observer interface {
	// ObserveOp records one call: op is "put", "get", "stat", "list" or
	// "delete"; bytes what it moved (put, get); failed whether it failed
	// for a reason other than a missing object or its caller's
	// cancellation.
	ObserveOp(op string, bytes int64, d time.Duration, failed bool)
}

// Instrument returns s with every call reported to o: the one place object
// store metrics are taken, whatever the backend. The result is a Filer
// when s is one (the local backend's objects stay readable in place).
func Instrument(s ObjectStore, o Observer) ObjectStore {
	if s == nil || o == nil {
		return s
	}
	in := instrumented{s: s, o: o}
	if f, ok := s.(Filer); ok {
		return instrumentedFiler{instrumented: in, f: f}
	}
	return in
}

type instrumented struct {
	s ObjectStore
	o Observer
}

type instrumentedFiler struct {
	instrumented
	f Filer
}

func (f instrumentedFiler) Path(key string) (string, error) { return f.f.Path(key) }

// failed reports whether err is a failure of the store: a missing object
// is an answer, and a cancelled context the caller's decision.
func failed(err error) bool {
	return err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, context.Canceled)
}

func (i instrumented) Put(ctx context.Context, key string, data []byte) error {
	start := time.Now()
	err := i.s.Put(ctx, key, data)
	n := int64(len(data))
	if err != nil {
		n = 0
	}
	i.o.ObserveOp("put", n, time.Since(start), failed(err))
	return err
}

func (i instrumented) Get(ctx context.Context, key string) ([]byte, error) {
	start := time.Now()
	b, err := i.s.Get(ctx, key)
	i.o.ObserveOp("get", int64(len(b)), time.Since(start), failed(err))
	return b, err
}

func (i instrumented) Stat(ctx context.Context, key string) (ObjectInfo, error) {
	start := time.Now()
	info, err := i.s.Stat(ctx, key)
	i.o.ObserveOp("stat", 0, time.Since(start), failed(err))
	return info, err
}

func (i instrumented) List(ctx context.Context, prefix string) ([]ObjectInfo, error) {
	start := time.Now()
	objs, err := i.s.List(ctx, prefix)
	i.o.ObserveOp("list", 0, time.Since(start), failed(err))
	return objs, err
}

func (i instrumented) Delete(ctx context.Context, key string) error {
	start := time.Now()
	err := i.s.Delete(ctx, key)
	i.o.ObserveOp("delete", 0, time.Since(start), failed(err))
	return err
}

func (i instrumented) Close() error { return i.s.Close() }
