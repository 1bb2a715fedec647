package coordinator

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// PropTTL is the collection property that sets the time to live of its
// rows, in seconds (Milvus's key): a row expires once its write time plus
// the TTL is reached. Absent or 0: rows never expire.
const PropTTL = "collection.ttl.seconds"

// MaxTTLSeconds bounds collection.ttl.seconds (about 100 years), so that
// every TTL fits in milliseconds with room to add to a time.
const MaxTTLSeconds = 100 * 365 * 24 * 3600

// ParseTTL parses a collection.ttl.seconds value: a whole number of
// seconds from 0 to MaxTTLSeconds.
func ParseTTL(v string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 || n > MaxTTLSeconds {
		return 0, fmt.Errorf("%w: %s must be a whole number of seconds from 0 (never expire) to %d, got %q",
			ErrInvalid, PropTTL, MaxTTLSeconds, v)
	}
	return n, nil
}

// CheckProperty validates a collection property and returns its stored
// form. Only collection.ttl.seconds has a meaning in raftvec; other keys
// (Milvus's mmap.enabled, ...) are kept as given, as Milvus keeps them.
func CheckProperty(key, value string) (string, error) {
	if key == "" {
		return "", fmt.Errorf("%w: a collection property needs a key", ErrInvalid)
	}
	if key != PropTTL {
		return value, nil
	}
	n, err := ParseTTL(value)
	return strconv.FormatInt(n, 10), err
}

// TTLMillis returns the collection's row time to live in milliseconds (0:
// rows never expire). A stored value is always valid (CheckProperty).
func (c *Collection) TTLMillis() int64 {
	n, err := ParseTTL(c.Properties[PropTTL])
	if err != nil {
		return 0
	}
	return n * 1000
}

// opAlterProperties sets and drops collection properties.
const opAlterProperties = "alter_properties"

// propChange is the argument of an alter_properties command: properties to
// set, then keys to drop.
type propChange struct {
	Set  map[string]string `json:"set,omitempty"`
	Drop []string          `json:"drop,omitempty"`
}

// alterProperties applies a change to c (the metadata FSM's own copy):
// every value is checked first, so a bad one changes nothing. Dropping a
// key that is not set is not an error (as in Milvus).
func alterProperties(c *Collection, p *propChange) result {
	if p == nil || (len(p.Set) == 0 && len(p.Drop) == 0) {
		return result{Err: fmt.Errorf("%w: no property to set or drop", ErrInvalid)}
	}
	set := make(map[string]string, len(p.Set))
	for _, k := range slices.Sorted(maps.Keys(p.Set)) { // the first bad key in order, alike everywhere
		v, err := CheckProperty(k, p.Set[k])
		if err != nil {
			return result{Err: err}
		}
		set[k] = v
	}
	for _, k := range p.Drop {
		if _, ok := set[k]; ok {
			return result{Err: fmt.Errorf("%w: property %q is both set and dropped", ErrInvalid, k)}
		}
	}
	if c.Properties == nil {
		c.Properties = map[string]string{}
	}
	maps.Copy(c.Properties, set)
	for _, k := range p.Drop {
		delete(c.Properties, k)
	}
	if len(c.Properties) == 0 {
		c.Properties = nil
	}
	return result{ID: c.ID}
}

// AlterProperties sets and drops properties of a collection (name or
// alias): set first, then drop; a bad value refuses the whole change.
func (c *Coordinator) AlterProperties(ctx context.Context, coll string, set map[string]string, drop []string) error {
	_, err := c.propose(ctx, command{Op: opAlterProperties, Name: coll, Props: &propChange{Set: set, Drop: drop}})
	return err
}
