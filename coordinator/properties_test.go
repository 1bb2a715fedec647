package coordinator

import (
	"errors"
	"maps"
	"testing"
)

// TestAlterProperties: properties are set and dropped through the log; a
// bad TTL refuses the whole change and leaves the collection as it was;
// TTLMillis reads what is stored.
func TestAlterProperties(t *testing.T) {
	m := newTestFSM(t)
	mustApply(t, m, command{Op: opCreateCollection, Collection: testCollection("c", 1, 4)})
	mustApply(t, m, command{Op: opCreateAlias, Name: "a", NewName: "c"})
	steps := []struct {
		name    string
		coll    string
		set     map[string]string
		drop    []string
		wantErr error
		want    map[string]string
		ttl     int64
	}{
		{"set a ttl", "c", map[string]string{PropTTL: "60"}, nil, nil, map[string]string{PropTTL: "60"}, 60_000},
		{"through an alias, canonical", "a", map[string]string{PropTTL: " 007 ", "mmap.enabled": "true"}, nil, nil,
			map[string]string{PropTTL: "7", "mmap.enabled": "true"}, 7000},
		{"negative", "c", map[string]string{PropTTL: "-1", "other": "x"}, nil, ErrInvalid,
			map[string]string{PropTTL: "7", "mmap.enabled": "true"}, 7000},
		{"not a number", "c", map[string]string{PropTTL: "1h"}, nil, ErrInvalid,
			map[string]string{PropTTL: "7", "mmap.enabled": "true"}, 7000},
		{"too long", "c", map[string]string{PropTTL: "3153600001"}, nil, ErrInvalid,
			map[string]string{PropTTL: "7", "mmap.enabled": "true"}, 7000},
		{"set and drop one key", "c", map[string]string{PropTTL: "5"}, []string{PropTTL}, ErrInvalid,
			map[string]string{PropTTL: "7", "mmap.enabled": "true"}, 7000},
		{"nothing", "c", nil, nil, ErrInvalid, map[string]string{PropTTL: "7", "mmap.enabled": "true"}, 7000},
		{"no such collection", "x", map[string]string{PropTTL: "5"}, nil, ErrCollectionNotFound,
			map[string]string{PropTTL: "7", "mmap.enabled": "true"}, 7000},
		{"zero never expires", "c", map[string]string{PropTTL: "0"}, nil, nil,
			map[string]string{PropTTL: "0", "mmap.enabled": "true"}, 0},
		{"drop, and an absent key", "c", nil, []string{PropTTL, "absent"}, nil, map[string]string{"mmap.enabled": "true"}, 0},
		{"drop the last", "c", nil, []string{"mmap.enabled"}, nil, nil, 0},
	}
	for _, s := range steps {
		r := applyCmd(t, m, command{Op: opAlterProperties, Name: s.coll, Props: &propChange{Set: s.set, Drop: s.drop}})
		if (s.wantErr == nil) != (r.Err == nil) || (s.wantErr != nil && !errors.Is(r.Err, s.wantErr)) {
			t.Fatalf("%s: error %v, want %v", s.name, r.Err, s.wantErr)
		}
		c, err := m.get("c")
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(c.Properties, s.want) || c.TTLMillis() != s.ttl {
			t.Fatalf("%s: properties %v (ttl %d ms), want %v (%d ms)", s.name, c.Properties, c.TTLMillis(), s.want, s.ttl)
		}
	}
	mustApply(t, m, command{Op: opAlterProperties, Name: "c", Props: &propChange{Set: map[string]string{PropTTL: "3"}}})
	c, err := restored(t, snapshotBytes(t, m)).get("c")
	if err != nil {
		t.Fatal(err)
	}
	if c.TTLMillis() != 3000 {
		t.Fatalf("after a snapshot: ttl %d ms, want 3000", c.TTLMillis())
	}
}
