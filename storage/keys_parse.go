package storage

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseInsertLogKey returns the IDs of a key made by InsertLogKey(root, ...).
func ParseInsertLogKey(root, key string) (InsertLogID, error) {
	v, _, err := parseKey(root, key, insertLogDir, 5, false)
	if err != nil {
		return InsertLogID{}, err
	}
	return InsertLogID{v[0], v[1], v[2], v[3], v[4]}, nil
}

// ParseDeltaLogKey returns the IDs of a key made by DeltaLogKey(root, ...).
func ParseDeltaLogKey(root, key string) (DeltaLogID, error) {
	v, _, err := parseKey(root, key, deltaLogDir, 4, false)
	if err != nil {
		return DeltaLogID{}, err
	}
	return DeltaLogID{v[0], v[1], v[2], v[3]}, nil
}

// ParseStatsLogKey returns the IDs of a key made by StatsLogKey(root, ...).
func ParseStatsLogKey(root, key string) (StatsLogID, error) {
	v, _, err := parseKey(root, key, statsLogDir, 5, false)
	if err != nil {
		return StatsLogID{}, err
	}
	return StatsLogID{v[0], v[1], v[2], v[3], v[4]}, nil
}

// ParseIndexFileKey returns the IDs and file name of a key made by
// IndexFileKey(root, ...).
func ParseIndexFileKey(root, key string) (IndexFileID, error) {
	v, file, err := parseKey(root, key, indexFilesDir, 4, true)
	if err != nil {
		return IndexFileID{}, err
	}
	return IndexFileID{Build: v[0], Version: v[1], Partition: v[2], Segment: v[3], File: file}, nil
}

// parseKey checks that key is a valid key of the form
// {root}/{dir}/{n canonical int64s}[/{file}] and returns the numbers and
// the file name.
func parseKey(root, key, dir string, n int, withFile bool) ([]int64, string, error) {
	if err := ValidateKey(key); err != nil {
		return nil, "", err
	}
	rest, ok := strings.CutPrefix(key, join(root, dir)+"/")
	if !ok {
		return nil, "", parseErr(key, fmt.Sprintf("not under %q", join(root, dir)))
	}
	parts := strings.Split(rest, "/")
	want := n
	if withFile {
		want++
	}
	if len(parts) != want {
		return nil, "", parseErr(key, fmt.Sprintf("want %d segments after %q, have %d", want, dir, len(parts)))
	}
	out := make([]int64, n)
	for i := range n {
		v, err := strconv.ParseInt(parts[i], 10, 64)
		if err != nil || strconv.FormatInt(v, 10) != parts[i] {
			return nil, "", parseErr(key, fmt.Sprintf("segment %q is not a canonical int64", parts[i]))
		}
		out[i] = v
	}
	if withFile {
		return out, parts[n], nil
	}
	return out, "", nil
}

func parseErr(key, why string) error {
	return fmt.Errorf("%w: %q is not a layout key: %s", ErrInvalidKey, key, why)
}
