package api

import (
	"context"
	"maps"
	"testing"
)

// AlterProperties applies a checked change to the fake's collection
// (copy on write: descriptions handed out stay unchanged).
func (f *fake) AlterProperties(ctx context.Context, name string, set map[string]string, drop []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.get(ctx, name)
	if err != nil {
		return err
	}
	props := maps.Clone(c.col.Properties)
	if props == nil {
		props = map[string]string{}
	}
	maps.Copy(props, set)
	for _, k := range drop {
		delete(props, k)
	}
	c.col.Properties = props
	return nil
}

// TestCreateWithTTL: params.ttlSeconds (Milvus's REST form) becomes the
// collection.ttl.seconds property; a bad value refuses the create.
func TestCreateWithTTL(t *testing.T) {
	cases := []struct {
		name   string
		params string
		code   int
		want   string // the stored property, or the message mentions it
	}{
		{"number", `{"ttlSeconds": 60}`, 0, "60"},
		{"string", `{"ttlSeconds": "3"}`, 0, "3"},
		{"zero never expires", `{"ttlSeconds": 0}`, 0, "0"},
		{"negative", `{"ttlSeconds": -1}`, codeInvalid, "params.ttlSeconds"},
		{"fraction", `{"ttlSeconds": 1.5}`, codeInvalid, "not an integer"},
		{"text", `{"ttlSeconds": "1h"}`, codeInvalid, "params.ttlSeconds"},
		{"too long", `{"ttlSeconds": 99999999999}`, codeInvalid, "whole number of seconds"},
		{"boolean", `{"ttlSeconds": true}`, codeInvalid, "params.ttlSeconds"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			body := `{"collectionName":"c","dimension":2,"params":` + tc.params + `}`
			if tc.code != 0 {
				e.fail("collections/create", body, tc.code, tc.want)
				if has := e.ok("collections/has", `{"collectionName":"c"}`).obj(t)["has"]; has != false {
					t.Fatal("a refused create made the collection")
				}
				return
			}
			e.ok("collections/create", body)
			props := e.ok("collections/describe", `{"collectionName":"c"}`).obj(t)["properties"]
			if got, want := js(props), `[{"key":"collection.ttl.seconds","value":"`+tc.want+`"}]`; got != want {
				t.Fatalf("properties %s, want %s", got, want)
			}
		})
	}
}

// TestAlterDropProperties: alter_properties sets (numbers, strings and
// booleans as Milvus stores them), drop_properties removes; a bad TTL or a
// bad request changes nothing.
func TestAlterDropProperties(t *testing.T) {
	e := newEnv(t)
	e.quick("c", nil)
	describe := func() string {
		return js(e.ok("collections/describe", `{"collectionName":"c"}`).obj(t)["properties"])
	}
	steps := []struct {
		path, body string
		code       int
		want       string // the properties after, or what the error mentions
	}{
		{"collections/alter_properties", `{"collectionName":"c","properties":{"collection.ttl.seconds":30,"mmap.enabled":true}}`, 0,
			`[{"key":"collection.ttl.seconds","value":"30"},{"key":"mmap.enabled","value":"true"}]`},
		{"collections/alter_properties", `{"collectionName":"c","properties":{"collection.ttl.seconds":"007"}}`, 0,
			`[{"key":"collection.ttl.seconds","value":"7"},{"key":"mmap.enabled","value":"true"}]`},
		{"collections/alter_properties", `{"collectionName":"c","properties":{"collection.ttl.seconds":-5,"x":"y"}}`, codeInvalid,
			"collection.ttl.seconds must be a whole number of seconds"},
		{"collections/alter_properties", `{"collectionName":"c","properties":{"collection.ttl.seconds":2.5}}`, codeInvalid, "2.5"},
		{"collections/alter_properties", `{"collectionName":"c","properties":{"collection.ttl.seconds":null}}`, codeInvalid, "null"},
		{"collections/alter_properties", `{"collectionName":"c","properties":{}}`, codeMissingParam, "properties"},
		{"collections/alter_properties", `{"collectionName":"nope","properties":{"collection.ttl.seconds":1}}`, codeCollectionNotFound, "nope"},
		{"collections/drop_properties", `{"collectionName":"c"}`, codeMissingParam, "propertyKeys"},
		{"collections/drop_properties", `{"collectionName":"c","propertyKeys":["collection.ttl.seconds","absent"]}`, 0,
			`[{"key":"mmap.enabled","value":"true"}]`},
	}
	for i, s := range steps {
		if s.code != 0 {
			before := describe()
			e.fail(s.path, s.body, s.code, s.want)
			if after := describe(); after != before {
				t.Fatalf("step %d: a refused change changed the properties from %s to %s", i, before, after)
			}
			continue
		}
		if len(e.ok(s.path, s.body).obj(t)) != 0 {
			t.Fatalf("step %d: data is not {}", i)
		}
		if got := describe(); got != s.want {
			t.Fatalf("step %d: properties %s, want %s", i, got, s.want)
		}
	}
}
