package api

import (
	"encoding/json"
	"math"
	"strings"

	"github.com/raftvec/raftvec/proxy"
	"github.com/raftvec/raftvec/segment"
)

// flattenSearchParams merges searchParams.params with the other keys of
// searchParams (ef, nprobe, radius, range_filter may appear at either
// level; the nested ones win). metricType / metric_type is returned apart.
func flattenSearchParams(sp map[string]any) (string, map[string]any, error) {
	params := map[string]any{}
	var metric string
	var inner map[string]any
	for k, v := range sp {
		switch k {
		case "metricType", "metric_type":
			m, ok := v.(string)
			if !ok {
				return "", nil, invalidf("invalid searchParams.metricType: want a string, got %s", describe(v))
			}
			metric = upper(m)
		case "params":
			var err error
			if inner, err = nestedParams(v); err != nil {
				return "", nil, err
			}
		default:
			params[k] = v
		}
	}
	for k, v := range inner {
		if k == "metric_type" || k == "metricType" {
			if m, ok := v.(string); ok && metric == "" {
				metric = upper(m)
			}
			continue
		}
		params[k] = v
	}
	for _, k := range []string{"ef", "nprobe", "level"} {
		if v, ok := params[k]; ok {
			if n, err := toInt(v); err != nil || n < 1 {
				return "", nil, invalidf("invalid search param %q: want a positive integer, got %s", k, describe(v))
			}
		}
	}
	return metric, canonicalParams(params).(map[string]any), nil
}

// nestedParams reads searchParams.params: an object, or a JSON string of
// one (as some SDKs send).
func nestedParams(v any) (map[string]any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		return x, nil
	case string:
		var m map[string]any
		d := json.NewDecoder(strings.NewReader(x))
		d.UseNumber()
		if err := d.Decode(&m); err == nil {
			return m, nil
		}
	}
	return nil, invalidf("invalid searchParams.params: want an object, got %s", describe(v))
}

// rangeParams takes radius and range_filter out of the params and checks
// their order: L2 (and HAMMING, JACCARD) keeps range_filter <= d < radius,
// IP, COSINE and BM25 keep radius < d <= range_filter.
func rangeParams(params map[string]any, metric string) (*float32, *float32, error) {
	radius, err := floatParam(params, "radius")
	if err != nil {
		return nil, nil, err
	}
	rf, err := floatParam(params, "range_filter")
	if err != nil {
		return nil, nil, err
	}
	if rf != nil && radius == nil {
		return nil, nil, invalidf("range_filter needs radius")
	}
	if rf != nil && radius != nil {
		if proxy.SmallerIsBetter(metric) && !(*rf < *radius) {
			return nil, nil, invalidf("for metric %s, range_filter (%g) must be less than radius (%g)", metric, *rf, *radius)
		}
		if !proxy.SmallerIsBetter(metric) && !(*rf > *radius) {
			return nil, nil, invalidf("for metric %s, range_filter (%g) must be greater than radius (%g)", metric, *rf, *radius)
		}
	}
	return radius, rf, nil
}

func floatParam(params map[string]any, key string) (*float32, error) {
	v, ok := params[key]
	if !ok || v == nil {
		return nil, nil
	}
	delete(params, key)
	var f float64
	switch x := v.(type) {
	case int64:
		f = float64(x)
	case float64:
		f = x
	default:
		return nil, invalidf("invalid search param %q: want a number, got %s", key, describe(v))
	}
	if math.Abs(f) > math.MaxFloat32 {
		return nil, invalidf("invalid search param %q: %g is out of range", key, f)
	}
	f32 := float32(f)
	return &f32, nil
}

// distanceKey is the key of a search hit's score in its row.
const distanceKey = "distance"

// renderHits flattens per-query hits into rows {pk, distance, ...fields}
// with topks giving each query's count. The score is always "distance"
// (finite, see finiteDistance); a dynamic key named "distance" is returned
// in the row's "$meta" object instead (schema fields cannot be named so).
func renderHits(s *segment.Schema, plan *outputPlan, hits [][]proxy.Hit, allowInt64 bool) (searchReply, error) {
	reply := searchReply{rows: []map[string]any{}, topks: make([]int, len(hits))}
	var size replySize
	for q, hs := range hits {
		for i := range hs {
			row := plan.row(s, &hs[i].Entity, allowInt64)
			if v, clash := row[distanceKey]; clash {
				row[segment.DynamicFieldName] = map[string]any{distanceKey: v}
			}
			row[distanceKey] = finiteDistance(hs[i].Distance)
			if err := size.add(row); err != nil {
				return searchReply{}, err
			}
			reply.rows = append(reply.rows, row)
		}
		reply.topks[q] = len(hs)
	}
	return reply, nil
}
