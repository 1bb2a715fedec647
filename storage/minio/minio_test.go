//go:build minio

package minio

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"regexp"
	"testing"

	miniogo "github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/raftvec/raftvec/storage"
	"github.com/raftvec/raftvec/storage/storagetest"
)

const testBucket = "raftvec-test"

// testConfig reads the server from the environment (set by `make
// test-minio`). Without it the test fails, unless RAFTVEC_TEST_SKIP_MINIO=1
// asks explicitly to skip.
func testConfig(t *testing.T) Config {
	t.Helper()
	ep := os.Getenv("RAFTVEC_TEST_MINIO_ENDPOINT")
	if ep == "" {
		if os.Getenv("RAFTVEC_TEST_SKIP_MINIO") == "1" {
			t.Skip("RAFTVEC_TEST_SKIP_MINIO=1: skipping tests that need MinIO")
		}
		t.Fatal("RAFTVEC_TEST_MINIO_ENDPOINT is not set: run these tests with `make test-minio` " +
			"(it installs and starts MinIO), or set RAFTVEC_TEST_SKIP_MINIO=1 to skip them")
	}
	return Config{
		Endpoint:  ep,
		AccessKey: os.Getenv("RAFTVEC_TEST_MINIO_ACCESS_KEY"),
		SecretKey: os.Getenv("RAFTVEC_TEST_MINIO_SECRET_KEY"),
		Bucket:    testBucket,
	}
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// uniqueRoot gives each test its own key prefix in the shared bucket.
func uniqueRoot(t *testing.T) string {
	return "t/" + unsafeChars.ReplaceAllString(t.Name(), "-") + "-" + randHex(4)
}

// newTestStore opens a store and, at cleanup, deletes what the test left
// under its root (through a second store: the test may have closed the
// first).
func newTestStore(t *testing.T, cfg Config) *Store {
	t.Helper()
	s, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		_ = s.Close()
		emptyRoot(t, cfg)
	})
	return s
}

func emptyRoot(t *testing.T, cfg Config) {
	ctx := context.Background()
	s, err := New(ctx, cfg)
	if err != nil {
		t.Errorf("cleanup: %v", err)
		return
	}
	defer s.Close()
	infos, err := s.List(ctx, "")
	if err != nil {
		t.Errorf("cleanup: %v", err)
	}
	for _, in := range infos {
		if err := s.Delete(ctx, in.Key); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	}
}

// rawClient talks to the server beneath the Store, to check what it wrote.
func rawClient(t *testing.T, cfg Config) *miniogo.Client {
	t.Helper()
	c, err := miniogo.New(cfg.Endpoint, &miniogo.Options{
		Creds: credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""), Secure: cfg.Secure,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConformance(t *testing.T) {
	cfg := testConfig(t)
	storagetest.Run(t, func(t *testing.T) storage.ObjectStore {
		c := cfg
		c.Root = uniqueRoot(t)
		return newTestStore(t, c)
	})
}

// Without a root, each store gets a bucket of its own, which New creates.
func TestConformanceNoRootNewBucket(t *testing.T) {
	cfg := testConfig(t)
	storagetest.Run(t, func(t *testing.T) storage.ObjectStore {
		c := cfg
		c.Bucket = "raftvec-test-" + randHex(6)
		raw := rawClient(t, c)
		t.Cleanup(func() { // registered first, so it runs after newTestStore's cleanup emptied it
			if err := raw.RemoveBucket(context.Background(), c.Bucket); err != nil {
				t.Errorf("remove bucket: %v", err)
			}
		})
		s := newTestStore(t, c)
		ok, err := raw.BucketExists(context.Background(), c.Bucket)
		if err != nil || !ok {
			t.Fatalf("bucket %q after New: exists=%v, %v", c.Bucket, ok, err)
		}
		return s
	})
}

func TestNewOnExistingBucket(t *testing.T) {
	cfg := testConfig(t)
	cfg.Root = uniqueRoot(t)
	for range 2 {
		newTestStore(t, cfg)
	}
}
