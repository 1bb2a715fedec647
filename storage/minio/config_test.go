package minio

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/raftvec/raftvec/storage"
)

func TestConfigValidate(t *testing.T) {
	good := Config{Endpoint: "127.0.0.1:9000", Bucket: "raftvec", Root: "/files/"}
	root, err := good.validate()
	if err != nil || root != "files" {
		t.Fatalf("validate = %q, %v; want files, nil", root, err)
	}
	bad := []Config{
		{Bucket: "raftvec"},
		{Endpoint: "http://127.0.0.1:9000", Bucket: "raftvec"},
		{Endpoint: "127.0.0.1:9000"},
		{Endpoint: "127.0.0.1:9000", Bucket: "Bad_Bucket"},
		{Endpoint: "127.0.0.1:9000", Bucket: "raftvec", Root: "a//b"},
		{Endpoint: "127.0.0.1:9000", Bucket: "raftvec", MaxRetries: -1},
	}
	for _, c := range bad {
		if _, err := c.validate(); err == nil {
			t.Errorf("validate(%+v) = nil, want error", c)
		}
	}
}

func TestNamer(t *testing.T) {
	n := namer{root: "files"}
	if name, err := n.object("insert_log/1"); err != nil || name != "files/insert_log/1" {
		t.Fatalf("object = %q, %v", name, err)
	}
	long := strings.Repeat("k", storage.MaxKeyLen-len("files/")+1)
	long = long[:200] + "/" + long[201:400] + "/" + long[401:600] + "/" + long[601:800] + "/" + long[801:]
	if err := storage.ValidateKey(long); err != nil {
		t.Fatalf("test key invalid: %v", err)
	}
	if _, err := n.object(long); !errors.Is(err, storage.ErrInvalidKey) {
		t.Fatalf("object(key too long with root) = %v, want ErrInvalidKey", err)
	}
	if p, err := n.prefix(""); err != nil || p != "files/" {
		t.Fatalf("prefix(\"\") = %q, %v", p, err)
	}
	for name, want := range map[string]string{"files/a/b": "a/b", "files/a/": "", "other/a": "", "files": ""} {
		key, ok := n.key(name)
		if key != want && ok || ok != (want != "") {
			t.Errorf("key(%q) = %q, %v; want %q", name, key, ok, want)
		}
	}
	if key, ok := (namer{}).key("a/b"); !ok || key != "a/b" {
		t.Errorf("key without root = %q, %v", key, ok)
	}
}

// With MaxRetries 1 an unreachable server fails at once (no MinIO needed:
// nothing listens on port 1 of loopback).
func TestNewUnreachableFailsFast(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	_, err := New(ctx, Config{Endpoint: "127.0.0.1:1", Bucket: "raftvec", MaxRetries: 1})
	if err == nil {
		t.Fatal("New against a closed port succeeded")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("New took %v with MaxRetries 1", d)
	}
}
