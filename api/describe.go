package api

import (
	"sort"
	"strconv"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/segment"
)

// kv is a {key, value} pair of describe outputs.
type kv struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// describeShape renders collections/describe as Milvus does ($meta is not
// listed as a field).
func describeShape(c *coordinator.Collection) map[string]any {
	fields := []map[string]any{}
	for i := range c.Schema.Fields {
		if f := &c.Schema.Fields[i]; !f.IsDynamic {
			fields = append(fields, describeField(f))
		}
	}
	indexes := []map[string]any{}
	for _, ix := range c.Indexes {
		indexes = append(indexes, map[string]any{"indexName": ix.Name, "fieldName": ix.FieldName, "metricType": ix.MetricType})
	}
	props := []kv{}
	for k, v := range c.Properties {
		props = append(props, kv{k, v})
	}
	sort.Slice(props, func(i, j int) bool { return props[i].Key < props[j].Key })
	load := loadStateNotLoad
	if c.Loaded {
		load = loadStateLoaded
	}
	return map[string]any{
		"collectionName": c.Name, "collectionID": c.ID, "description": c.Schema.Description,
		"autoId": c.Schema.AutoID, "fields": fields, "indexes": indexes, "load": load,
		"shardsNum": c.ShardsNum, "partitionsNum": len(c.Partitions),
		"consistencyLevel":   orDefault(c.Consistency, coordinator.Bounded),
		"enableDynamicField": c.Schema.EnableDynamic, "properties": props,
		"functions": describeFunctions(c.Schema.Functions),
	}
}

func describeFunctions(fs []segment.Function) []map[string]any {
	out := []map[string]any{}
	for _, fn := range fs {
		out = append(out, map[string]any{"name": fn.Name, "type": fn.Type, "description": fn.Description,
			"inputFieldNames": fn.Input, "outputFieldNames": fn.Output, "params": []kv{}})
	}
	return out
}

func describeField(f *segment.Field) map[string]any {
	m := map[string]any{"name": f.Name, "id": f.ID, "type": f.Type.String(),
		"primaryKey": f.PrimaryKey, "partitionKey": f.PartitionKey, "autoId": f.AutoID,
		"nullable": f.Nullable, "description": f.Description}
	var params []kv
	if f.Dim > 0 {
		params = append(params, kv{"dim", strconv.Itoa(f.Dim)})
	}
	if f.Type == segment.TypeVarChar || (f.Type == segment.TypeArray && f.ElementType == segment.TypeVarChar) {
		params = append(params, kv{"max_length", strconv.Itoa(f.MaxLength)})
	}
	if f.EnableAnalyzer {
		params = append(params, kv{"enable_analyzer", "true"}, kv{"analyzer_params", orDefault(f.AnalyzerParams, "{}")})
	}
	if f.EnableMatch {
		params = append(params, kv{"enable_match", "true"})
	}
	if f.Type == segment.TypeArray {
		params = append(params, kv{"max_capacity", strconv.Itoa(f.MaxCapacity)})
		m["elementType"] = f.ElementType.String()
	}
	if params != nil {
		m["params"] = params
	}
	if f.Default != nil {
		m["defaultValue"] = f.Default
	}
	return m
}
