package storage

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

const (
	// MaxKeyLen is the longest key in bytes (the S3 limit). A backend that
	// prepends a root to keys (storage/minio) accepts correspondingly less.
	MaxKeyLen = 1024
	// MaxSegmentLen is the longest "/"-separated segment in bytes (the
	// usual file-name limit, which the local backend and MinIO share).
	MaxSegmentLen = 255
)

// ValidateKey reports whether key is a valid object key, with an error
// wrapping ErrInvalidKey if not. A valid key is non-empty valid UTF-8 of at
// most MaxKeyLen bytes without NUL, and its "/"-separated segments are
// non-empty (no leading or trailing "/", no "//"), at most MaxSegmentLen
// bytes, and neither "." nor "..".
func ValidateKey(key string) error {
	if key == "" {
		return invalid(key, "empty")
	}
	if err := validateChars(key); err != nil {
		return err
	}
	for seg := range strings.SplitSeq(key, "/") {
		if err := validateSegment(key, seg); err != nil {
			return err
		}
	}
	return nil
}

// ValidatePrefix reports whether prefix is a valid List prefix, with an
// error wrapping ErrInvalidKey if not. The empty prefix is valid. Every
// segment but the last follows the key rules; the last segment is a partial
// name and may be anything (also empty, i.e. a trailing "/").
func ValidatePrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	if err := validateChars(prefix); err != nil {
		return err
	}
	i := strings.LastIndexByte(prefix, '/')
	if i < 0 {
		return nil
	}
	for seg := range strings.SplitSeq(prefix[:i], "/") {
		if err := validateSegment(prefix, seg); err != nil {
			return err
		}
	}
	return nil
}

func validateChars(s string) error {
	switch {
	case len(s) > MaxKeyLen:
		return invalid(s, fmt.Sprintf("longer than %d bytes", MaxKeyLen))
	case strings.IndexByte(s, 0) >= 0:
		return invalid(s, "contains NUL")
	case !utf8.ValidString(s):
		return invalid(s, "not valid UTF-8")
	case strings.HasPrefix(s, "/"):
		return invalid(s, "leading /")
	}
	return nil
}

func validateSegment(key, seg string) error {
	switch {
	case seg == "":
		return invalid(key, "empty segment")
	case seg == "." || seg == "..":
		return invalid(key, fmt.Sprintf("segment %q", seg))
	case len(seg) > MaxSegmentLen:
		return invalid(key, fmt.Sprintf("segment longer than %d bytes", MaxSegmentLen))
	}
	return nil
}

func invalid(key, why string) error {
	const maxShown = 80
	if len(key) > maxShown {
		key = key[:maxShown] + "..."
	}
	return fmt.Errorf("%w %q: %s", ErrInvalidKey, key, why)
}
