package server

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/raftvec/raftvec/storage"
	"github.com/raftvec/raftvec/storage/local"
	"github.com/raftvec/raftvec/storage/minio"
)

// localObjectsDir is the directory of the local object store.
func localObjectsDir(cfg Config) string {
	if cfg.Storage.LocalDir != "" {
		return cfg.Storage.LocalDir
	}
	return filepath.Join(cfg.DataDir, "objects")
}

// openStore opens the configured object storage: a local directory (the
// standalone default) or MinIO/S3.
func openStore(cfg Config) (storage.ObjectStore, error) {
	st := cfg.Storage
	if st.Kind == "local" {
		s, err := local.New(localObjectsDir(cfg))
		if err != nil {
			return nil, fmt.Errorf("server: local object storage: %w", err)
		}
		return s, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := minio.New(ctx, minio.Config{Endpoint: st.Endpoint, AccessKey: st.Access, SecretKey: st.Secret,
		Bucket: st.Bucket, Root: st.Root, Secure: st.Secure, MaxRetries: 2}) // callers retry with their own backoff
	if err != nil {
		return nil, fmt.Errorf("server: MinIO object storage at %s: %w", st.Endpoint, err)
	}
	return s, nil
}
