package main

import (
	"errors"
	"strconv"

	"github.com/raftvec/raftvec/server"
)

// byteSize is a flag holding a byte count written as the README writes
// sizes (server.ParseSize): a plain number of bytes or one with a unit,
// KiB, MiB, GiB, TiB (powers of 1024) or KB, MB, GB, TB (powers of 1000),
// e.g. "16MiB". Only a flag made with sizeFlagOrNone accepts -1.
type byteSize struct {
	p    *int64
	none bool // -1 ("no limit") is accepted
}

// sizeFlag binds a size flag to p.
func sizeFlag(p *int64) byteSize { return byteSize{p: p} }

// sizeFlagOrNone binds a size flag to p that also accepts -1.
func sizeFlagOrNone(p *int64) byteSize { return byteSize{p: p, none: true} }

// String writes the size with the largest binary unit that divides it
// ("16MiB"), so --help shows defaults as they are written.
func (b byteSize) String() string {
	if b.p == nil {
		return "0"
	}
	return formatSize(*b.p)
}

// formatSize writes n with the largest binary unit that divides it.
func formatSize(n int64) string {
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n > 0 && n%u.mult == 0 {
			return strconv.FormatInt(n/u.mult, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

// Set parses a size; pflag names the flag in its error.
func (b byteSize) Set(s string) error {
	v, err := server.ParseSize(s)
	if err != nil {
		return err
	}
	if v < 0 && !b.none {
		return errors.New("a size must not be negative")
	}
	*b.p = v
	return nil
}

func (byteSize) Type() string { return "size" }
