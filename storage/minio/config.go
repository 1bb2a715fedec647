package minio

import (
	"errors"
	"fmt"
	"strings"

	"github.com/minio/minio-go/v7/pkg/s3utils"
	"github.com/raftvec/raftvec/storage"
)

// Config says where the objects live.
type Config struct {
	Endpoint  string // host:port, no scheme
	AccessKey string
	SecretKey string
	Bucket    string // created by New if missing
	// Root is a key prefix ("files", "cluster-a/files"); leading and
	// trailing "/" are ignored; empty stores keys at the bucket's top.
	Root   string
	Secure bool   // HTTPS
	Region string // optional; the region New creates the bucket in
	// MaxRetries bounds minio-go's own attempts per request (see the
	// package doc); 0 keeps minio-go's default of 10, 1 disables retries.
	MaxRetries int
}

// partSize is the single-PUT limit and the multipart part size.
const partSize = 64 << 20

func (c Config) validate() (root string, err error) {
	if c.Endpoint == "" {
		return "", errors.New("storage/minio: empty Endpoint")
	}
	if strings.Contains(c.Endpoint, "://") {
		return "", fmt.Errorf("storage/minio: Endpoint %q must be host:port without a scheme (use Secure)", c.Endpoint)
	}
	if err := s3utils.CheckValidBucketNameStrict(c.Bucket); err != nil {
		return "", fmt.Errorf("storage/minio: bucket %q: %w", c.Bucket, err)
	}
	if c.MaxRetries < 0 {
		return "", fmt.Errorf("storage/minio: negative MaxRetries %d", c.MaxRetries)
	}
	root = strings.Trim(c.Root, "/")
	if root != "" {
		if err := storage.ValidateKey(root); err != nil {
			return "", fmt.Errorf("storage/minio: Root: %w", err)
		}
	}
	return root, nil
}

// namer maps keys to object names under the root and back.
type namer struct{ root string }

func (n namer) object(key string) (string, error) {
	if err := storage.ValidateKey(key); err != nil {
		return "", err
	}
	name := n.with(key)
	if len(name) > storage.MaxKeyLen {
		return "", fmt.Errorf("%w %.80q: with root %q longer than %d bytes",
			storage.ErrInvalidKey, key, n.root, storage.MaxKeyLen)
	}
	return name, nil
}

func (n namer) prefix(prefix string) (string, error) {
	if err := storage.ValidatePrefix(prefix); err != nil {
		return "", err
	}
	if n.root == "" {
		return prefix, nil
	}
	return n.root + "/" + prefix, nil
}

func (n namer) with(key string) string {
	if n.root == "" {
		return key
	}
	return n.root + "/" + key
}

// key returns the key of an object name, and false for names outside the
// root or that are not valid keys (such as "dir/" markers other tools make).
func (n namer) key(name string) (string, bool) {
	key := name
	if n.root != "" {
		var ok bool
		if key, ok = strings.CutPrefix(name, n.root+"/"); !ok {
			return "", false
		}
	}
	return key, storage.ValidateKey(key) == nil
}
