package api

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
)

// databaseReq is the body of the databases/ routes: dbName names the
// database they act on.
type databaseReq struct {
	dbReq
	Properties   map[string]any `json:"properties"`
	PropertyKeys []string       `json:"propertyKeys"`
}

// decodeDatabase decodes a databases/ body, which must name a database.
func decodeDatabase(c *call) (*databaseReq, error) {
	var r databaseReq
	if err := decodeBody(c.body, &r); err != nil {
		return nil, err
	}
	return &r, requireName("dbName", r.DbName)
}

func (s *Server) createDatabase(ctx context.Context, c *call) (any, error) {
	r, err := decodeDatabase(c)
	if err != nil {
		return nil, err
	}
	if err := checkName("database", r.DbName); err != nil {
		return nil, err
	}
	props, err := properties(r.Properties)
	if err != nil {
		return nil, err
	}
	return empty(), named(s.b.CreateDatabase(ctx, r.DbName, props), "database", r.DbName)
}

func (s *Server) listDatabases(ctx context.Context, c *call) (any, error) {
	var r dbReq
	if err := decodeBody(c.body, &r); err != nil {
		return nil, err
	}
	dbs, err := s.b.ListDatabases(ctx)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(dbs))
	for i, d := range dbs {
		names[i] = d.Name
	}
	return names, nil
}

func (s *Server) describeDatabase(ctx context.Context, c *call) (any, error) {
	r, err := decodeDatabase(c)
	if err != nil {
		return nil, err
	}
	d, err := s.b.DescribeDatabase(ctx, r.DbName)
	if err != nil {
		return nil, named(err, "database", r.DbName)
	}
	return map[string]any{"dbName": d.Name, "dbID": d.ID, "properties": keyValueList(d.Properties)}, nil
}

func (s *Server) dropDatabase(ctx context.Context, c *call) (any, error) {
	r, err := decodeDatabase(c)
	if err != nil {
		return nil, err
	}
	return empty(), named(s.b.DropDatabase(ctx, r.DbName), "database", r.DbName)
}

func (s *Server) alterDatabase(ctx context.Context, c *call) (any, error) {
	r, err := decodeDatabase(c)
	if err != nil {
		return nil, err
	}
	props, err := properties(r.Properties)
	if err == nil && len(props) == 0 {
		err = missingf("missing required parameter \"properties\": give at least one property to set")
	}
	if err != nil {
		return nil, err
	}
	return empty(), named(s.b.AlterDatabase(ctx, r.DbName, props, nil), "database", r.DbName)
}

func (s *Server) dropDatabaseProperties(ctx context.Context, c *call) (any, error) {
	r, err := decodeDatabase(c)
	if err != nil {
		return nil, err
	}
	if len(r.PropertyKeys) == 0 {
		return nil, missingf("missing required parameter \"propertyKeys\": give at least one property key")
	}
	return empty(), named(s.b.AlterDatabase(ctx, r.DbName, nil, r.PropertyKeys), "database", r.DbName)
}

// properties converts a properties object to strings, as Milvus does
// (numbers and booleans as written); other values are refused.
func properties(in map[string]any) (map[string]string, error) {
	out := make(map[string]string, len(in))
	for k, v := range in {
		switch x := v.(type) {
		case string:
			out[k] = x
		case json.Number:
			out[k] = x.String()
		case bool:
			out[k] = strconv.FormatBool(x)
		default:
			return nil, invalidf("invalid property %q: want a string, a number or a boolean", k)
		}
	}
	return out, nil
}

// keyValueList renders properties as Milvus does: [{key, value}], sorted
// by key here so the order is stable.
func keyValueList(props map[string]string) []map[string]string {
	out := []map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(props)) {
		out = append(out, map[string]string{"key": k, "value": props[k]})
	}
	return out
}
