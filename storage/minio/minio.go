package minio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"

	miniogo "github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/raftvec/raftvec/storage"
)

// Store is a storage.ObjectStore in one bucket of a MinIO / S3 server.
type Store struct {
	core   miniogo.Core
	tr     *http.Transport
	bucket string
	names  namer
	closed atomic.Bool
}

var _ storage.ObjectStore = (*Store)(nil)

// New connects to the server and creates the bucket if it is missing.
func New(ctx context.Context, cfg Config) (*Store, error) {
	root, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	tr, err := miniogo.DefaultTransport(cfg.Secure)
	if err != nil {
		return nil, fmt.Errorf("storage/minio: transport: %w", err)
	}
	client, err := miniogo.New(cfg.Endpoint, &miniogo.Options{
		Creds:      credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:     cfg.Secure,
		Region:     cfg.Region,
		Transport:  tr,
		MaxRetries: cfg.MaxRetries,
	})
	if err != nil {
		return nil, fmt.Errorf("storage/minio: client for %s: %w", cfg.Endpoint, err)
	}
	s := &Store{core: miniogo.Core{Client: client}, tr: tr, bucket: cfg.Bucket, names: namer{root}}
	if err := s.ensureBucket(ctx, cfg.Region); err != nil {
		tr.CloseIdleConnections()
		return nil, err
	}
	return s, nil
}

func (s *Store) ensureBucket(ctx context.Context, region string) error {
	ok, err := s.core.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("storage/minio: bucket %q: %w", s.bucket, ctxErr(ctx, err))
	}
	if ok {
		return nil
	}
	err = s.core.MakeBucket(ctx, s.bucket, miniogo.MakeBucketOptions{Region: region})
	if err != nil && errCode(err) != miniogo.BucketAlreadyOwnedByYou { // lost a creation race: fine
		return fmt.Errorf("storage/minio: create bucket %q: %w", s.bucket, ctxErr(ctx, err))
	}
	return nil
}

// Close marks the store closed and drops idle connections. Idempotent.
func (s *Store) Close() error {
	if !s.closed.Swap(true) {
		s.tr.CloseIdleConnections()
	}
	return nil
}

// Put uploads data with its length known: one PUT up to 64 MiB, multipart
// above; either way the object appears atomically.
func (s *Store) Put(ctx context.Context, key string, data []byte) error {
	name, err := s.begin(ctx, "put", key)
	if err != nil {
		return err
	}
	_, err = s.core.Client.PutObject(ctx, s.bucket, name, bytes.NewReader(data), int64(len(data)),
		miniogo.PutObjectOptions{ContentType: "application/octet-stream", PartSize: partSize})
	if err != nil {
		return s.fail(ctx, "put", key, err)
	}
	return nil
}

// Get downloads the object in one GET.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	name, err := s.begin(ctx, "get", key)
	if err != nil {
		return nil, err
	}
	body, info, _, err := s.core.GetObject(ctx, s.bucket, name, miniogo.GetObjectOptions{})
	if err != nil {
		return nil, s.fail(ctx, "get", key, err)
	}
	defer body.Close()
	if info.Size < 0 { // no Content-Length: read to EOF
		buf, err := io.ReadAll(body)
		if err != nil {
			return nil, s.fail(ctx, "get", key, err)
		}
		return buf, nil
	}
	buf := make([]byte, info.Size)
	if _, err := io.ReadFull(body, buf); err != nil {
		return nil, s.fail(ctx, "get", key, err)
	}
	return buf, nil
}

// Stat returns size, modification time and ETag.
func (s *Store) Stat(ctx context.Context, key string) (storage.ObjectInfo, error) {
	name, err := s.begin(ctx, "stat", key)
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	info, err := s.core.StatObject(ctx, s.bucket, name, miniogo.StatObjectOptions{})
	if err != nil {
		return storage.ObjectInfo{}, s.fail(ctx, "stat", key, err)
	}
	return storage.ObjectInfo{Key: key, Size: info.Size, ModTime: info.LastModified, ETag: info.ETag}, nil
}

// Delete removes the object; S3 reports success for a missing key.
func (s *Store) Delete(ctx context.Context, key string) error {
	name, err := s.begin(ctx, "delete", key)
	if err != nil {
		return err
	}
	if err := s.core.RemoveObject(ctx, s.bucket, name, miniogo.RemoveObjectOptions{}); err != nil {
		return s.fail(ctx, "delete", key, err)
	}
	return nil
}

// List lists recursively under prefix. Names under the root that are not
// valid keys (such as "dir/" markers made by other tools) are skipped.
func (s *Store) List(ctx context.Context, prefix string) ([]storage.ObjectInfo, error) {
	if err := s.check(ctx, "list", prefix); err != nil {
		return nil, err
	}
	p, err := s.names.prefix(prefix)
	if err != nil {
		return nil, fmt.Errorf("storage/minio: list: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx) // stops the lister if we return early
	defer cancel()
	var out []storage.ObjectInfo
	for obj := range s.core.Client.ListObjects(ctx, s.bucket, miniogo.ListObjectsOptions{Prefix: p, Recursive: true}) {
		if obj.Err != nil {
			return nil, s.fail(ctx, "list", prefix, obj.Err)
		}
		if key, ok := s.names.key(obj.Key); ok {
			out = append(out, storage.ObjectInfo{Key: key, Size: obj.Size, ModTime: obj.LastModified, ETag: obj.ETag})
		}
	}
	if err := ctx.Err(); err != nil { // the lister ends silently on cancellation
		return nil, fmt.Errorf("storage/minio: list %q: %w", prefix, err)
	}
	slices.SortFunc(out, func(a, b storage.ObjectInfo) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

func (s *Store) check(ctx context.Context, op, key string) error {
	if s.closed.Load() {
		return fmt.Errorf("storage/minio: %s %q: %w", op, key, storage.ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("storage/minio: %s %q: %w", op, key, err)
	}
	return nil
}

// begin checks the store, the context and the key, and returns the
// object name.
func (s *Store) begin(ctx context.Context, op, key string) (string, error) {
	if err := s.check(ctx, op, key); err != nil {
		return "", err
	}
	name, err := s.names.object(key)
	if err != nil {
		return "", fmt.Errorf("storage/minio: %s: %w", op, err)
	}
	return name, nil
}

// fail wraps a minio-go error: NoSuchKey becomes storage.ErrNotFound, and
// an error caused by the caller's context wraps the context's error.
func (s *Store) fail(ctx context.Context, op, key string, err error) error {
	if errCode(err) == miniogo.NoSuchKey {
		return fmt.Errorf("storage/minio: %s %q: %w", op, key, storage.ErrNotFound)
	}
	return fmt.Errorf("storage/minio: %s %q: %w", op, key, ctxErr(ctx, err))
}

// ctxErr makes sure an error that happened because ctx ended wraps
// ctx.Err(), whatever form minio-go gave it.
func ctxErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%w (%w)", cerr, err)
	}
	return err
}

func errCode(err error) string {
	var resp miniogo.ErrorResponse
	if errors.As(err, &resp) {
		return resp.Code
	}
	return ""
}
