package api

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strconv"

	"github.com/raftvec/raftvec/coordinator"
)

// Collection properties, as Milvus's RESTful v2 takes them:
// collections/alter_properties {"properties": {key: value}} and
// collections/drop_properties {"propertyKeys": [key]}, and on create
// params.ttlSeconds (stored as collection.ttl.seconds). Only
// collection.ttl.seconds has a meaning here (README "TTL"); other keys are
// stored and described as given.

// alterPropsReq is collections/alter_properties.
type alterPropsReq struct {
	collReq
	Properties map[string]any `json:"properties"`
}

// dropPropsReq is collections/drop_properties.
type dropPropsReq struct {
	collReq
	PropertyKeys []string `json:"propertyKeys"`
}

func (s *Server) alterProperties(ctx context.Context, c *call) (any, error) {
	var r alterPropsReq
	if err := decodeNamed(c, &r, &r.collReq); err != nil {
		return nil, err
	}
	if len(r.Properties) == 0 {
		return nil, missingf("missing required parameter \"properties\": an object of the properties to set")
	}
	set := make(map[string]string, len(r.Properties))
	for _, k := range slices.Sorted(maps.Keys(r.Properties)) {
		v, err := propertyValue(k, r.Properties[k])
		if err != nil {
			return nil, err
		}
		set[k] = v
	}
	return empty(), s.AlterProperties(ctx, r.CollectionName, set, nil)
}

func (s *Server) dropProperties(ctx context.Context, c *call) (any, error) {
	var r dropPropsReq
	if err := decodeNamed(c, &r, &r.collReq); err != nil {
		return nil, err
	}
	if len(r.PropertyKeys) == 0 {
		return nil, missingf("missing required parameter \"propertyKeys\": the keys of the properties to drop")
	}
	return empty(), s.AlterProperties(ctx, r.CollectionName, nil, r.PropertyKeys)
}

// AlterProperties sets, then drops, properties of a collection (the REST
// routes and gRPC AlterCollection): every value is checked first, and a bad
// one refuses the whole change.
func (s *Server) AlterProperties(ctx context.Context, coll string, set map[string]string, drop []string) error {
	if err := requireName("collectionName", coll); err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(set)) {
		v, err := coordinator.CheckProperty(k, set[k])
		if err != nil {
			return invalidf("%v", err)
		}
		set[k] = v
	}
	return named(s.b.AlterProperties(ctx, coll, set, drop), "collection", coll)
}

// propertyValue renders a JSON property value as the string Milvus stores:
// strings as given, numbers and booleans as written.
func propertyValue(key string, v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	return "", invalidf("invalid value of property %q: want a string, number or boolean, got %s", key, describe(v))
}

// createProperties reads the properties a create request sets: its
// Properties, and params.ttlSeconds, which as in Milvus becomes
// collection.ttl.seconds. nil when there are none.
func createProperties(r *CreateCollectionRequest) (map[string]string, error) {
	var out map[string]string
	for _, k := range slices.Sorted(maps.Keys(r.Properties)) {
		v, err := coordinator.CheckProperty(k, r.Properties[k])
		if err != nil {
			return nil, invalidf("%v", err)
		}
		if out == nil {
			out = map[string]string{}
		}
		out[k] = v
	}
	v, ok := lookupFold(r.Params, "ttlSeconds")
	if !ok || v == nil {
		return out, nil
	}
	n, err := toInt(v)
	if err == nil {
		_, err = coordinator.ParseTTL(strconv.FormatInt(n, 10))
	}
	if err != nil {
		return nil, invalidf("invalid params.ttlSeconds: %v", err)
	}
	if out == nil {
		out = map[string]string{}
	}
	out[coordinator.PropTTL] = strconv.FormatInt(n, 10)
	return out, nil
}
