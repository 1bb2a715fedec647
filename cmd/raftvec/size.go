package main

import (
	"fmt"
	"strconv"
	"strings"
)

// byteSize is a flag holding a byte count written as the README writes
// sizes: a plain number of bytes or one with a unit (KiB, MiB, GiB, TiB
// powers of 1024; KB, MB, GB, TB powers of 1000), e.g. "512MiB".
type byteSize struct{ p *int64 }

var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1},
}

// parseSize reads a byteSize value; -1 passes through (it means "none"
// where a flag allows it).
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range sizeUnits {
		if rest, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || (v < 0 && v != -1) {
		return 0, fmt.Errorf("not a size: %q (use bytes or a unit: 512MiB, 8GiB)", s)
	}
	if v == -1 {
		return -1, nil
	}
	return int64(v * float64(mult)), nil
}

func (b byteSize) String() string {
	if b.p == nil {
		return "0"
	}
	return strconv.FormatInt(*b.p, 10)
}

func (b byteSize) Set(s string) error {
	v, err := parseSize(s)
	if err != nil {
		return err
	}
	*b.p = v
	return nil
}

func (byteSize) Type() string { return "size" }
