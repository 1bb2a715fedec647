package main

import "testing"

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		bad  bool
	}{
		{"1024", 1024, false},
		{"16MiB", 16 << 20, false},
		{"256KiB", 256 << 10, false},
		{"8 GiB", 8 << 30, false},
		{"1.5GiB", 3 << 29, false},
		{"2GB", 2e9, false},
		{"10B", 10, false},
		{"-1", -1, false},
		{"-2", 0, true},
		{"lots", 0, true},
		{"MiB", 0, true},
	} {
		got, err := parseSize(tc.in)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d (error %v)", tc.in, got, err, tc.want, tc.bad)
		}
	}
}
