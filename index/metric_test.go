package index

import (
	"errors"
	"strings"
	"testing"
)

func TestParseMetric(t *testing.T) {
	tests := []struct {
		in      string
		want    Metric
		wantErr bool
	}{
		{"L2", MetricL2, false},
		{"l2", MetricL2, false},
		{"IP", MetricIP, false},
		{"ip", MetricIP, false},
		{"COSINE", MetricCosine, false},
		{"Cosine", MetricCosine, false},
		{"", MetricInvalid, true},
		{"HAMMING", MetricHamming, false},
		{"jaccard", MetricJaccard, false},
		{"SUPERSTRUCTURE", MetricInvalid, true},
		{" L2", MetricInvalid, true},
	}
	for _, tt := range tests {
		got, err := ParseMetric(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseMetric(%q) = %v, %v", tt.in, got, err)
		}
		if err != nil && (!errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.in)) {
			t.Errorf("ParseMetric(%q) error %q should wrap ErrInvalid and name the value", tt.in, err)
		}
		if err == nil && got.String() != strings.ToUpper(tt.in) {
			t.Errorf("String() = %q, want %q", got.String(), strings.ToUpper(tt.in))
		}
	}
	if s := Metric(9).String(); s != "Metric(9)" {
		t.Errorf("Metric(9).String() = %q", s)
	}
}

func TestBetter(t *testing.T) {
	tests := []struct {
		m    Metric
		a, b float32
		want bool
	}{
		{MetricL2, 1, 2, true},
		{MetricL2, 2, 1, false},
		{MetricL2, 1, 1, false},
		{MetricIP, 2, 1, true},
		{MetricIP, 1, 2, false},
		{MetricCosine, 0.5, -0.5, true},
		{MetricCosine, 0.5, 0.5, false},
		{MetricInvalid, 1, 2, false},
	}
	for _, tt := range tests {
		if got := tt.m.Better(tt.a, tt.b); got != tt.want {
			t.Errorf("%v.Better(%v, %v) = %v", tt.m, tt.a, tt.b, got)
		}
	}
}
