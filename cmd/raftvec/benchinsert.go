package main

import (
	"fmt"
	"strconv"
	"sync/atomic"
	"time"
)

// rawBody is a request body encoded already (postWith sends it as is).
type rawBody []byte

// encodeInsert encodes an insert request of the rows first.. with vectors
// vecs (row-major, dim each) without reflection: at tens of thousands of
// rows/s encoding/json costs the client more CPU than the server spends
// on the rows. Floats are written by appendFloat32.
func encodeInsert(collection string, first, dim int, vecs []float32) rawBody {
	n := len(vecs) / dim
	b := make([]byte, 0, 64+n*(24+dim*13))
	b = append(b, `{"collectionName":`...)
	b = strconv.AppendQuote(b, collection)
	b = append(b, `,"data":[`...)
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = strconv.AppendInt(b, int64(first+i), 10)
		b = append(b, `,"vector":[`...)
		for j, f := range vecs[i*dim : (i+1)*dim] {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendFloat32(b, f)
		}
		b = append(b, "]}"...)
	}
	return append(b, "]}"...)
}

// appendFloat32 writes f with 9 significant digits, trailing zeros
// dropped: 9 digits always parse back to the same float32, and for the
// usual range this is about 8 times faster than strconv's shortest form
// (106 ns a float here), which made the benchmark client use as much CPU
// as the server. Other magnitudes go to strconv.
func appendFloat32(b []byte, f float32) []byte {
	x := float64(f)
	if x < 0 {
		b, x = append(b, '-'), -x
	}
	if !(x >= 1e-4 && x < 1e8) { // NaN too
		return strconv.AppendFloat(b, x, 'g', -1, 32)
	}
	e := 7 // x < 10^(e+1)
	for e > -4 && x < decPow[e+4] {
		e--
	}
	m := uint64(x*decPow[8-e+4] + 0.5) // 9 digits: [1e8, 1e9]
	if m >= 1e9 {
		m, e = m/10, e+1
	}
	var d [9]byte
	for i := 8; i >= 0; i-- {
		d[i], m = byte('0'+m%10), m/10
	}
	last := 8
	for last > 0 && d[last] == '0' {
		last--
	}
	if e < 0 {
		b = append(b, "0."...)
		for i := -1; i > e; i-- {
			b = append(b, '0')
		}
		return append(b, d[:last+1]...)
	}
	b = append(b, d[:e+1]...)
	if last > e {
		b = append(append(b, '.'), d[e+1:last+1]...)
	}
	return b
}

// decPow[i] is 10^(i-4), exact in float64.
var decPow = [...]float64{1e-4, 1e-3, 1e-2, 1e-1, 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12}

func benchInsert(o *benchOpts) error {
	base, dim, err := o.baseVectors()
	if err != nil {
		return err
	}
	rows := len(base) / dim
	_, _ = post(o.addr, "collections/drop", map[string]any{"collectionName": o.collection})
	if err := o.createCollection(dim); err != nil {
		return err
	}
	start := time.Now()
	st, err := insertBatches(o.nodes(), o.clients, rows, o.batch, "bench", func(lo, hi int) (rawBody, error) {
		return encodeInsert(o.collection, lo, dim, base[lo*dim:hi*dim]), nil
	})
	if err != nil {
		return err
	}
	fmt.Printf("insert: %d rows (%s), dim %d, batch %d, %d clients, %d nodes: %s\n",
		rows, o.dataset, dim, o.batch, o.clients, len(o.nodes()), st.summary(rows))
	if o.waitIndex {
		return o.waitForIndex(int64(rows), start)
	}
	return nil
}

// rateReporter prints the rows/s and request MB/s of each interval, the
// progress and the mean so far.
func rateReporter(start time.Time, rows int, done, sent *atomic.Int64) func() string {
	last, lastRows, lastBytes := start, int64(0), int64(0)
	return func() string {
		now, n, b := time.Now(), done.Load(), sent.Load()
		dt := now.Sub(last).Seconds()
		line := fmt.Sprintf("%4.0fs %8.0f rows/s %6.1f MB/s   %d/%d rows, mean %.0f rows/s",
			now.Sub(start).Seconds(), float64(n-lastRows)/dt, float64(b-lastBytes)/1e6/dt,
			n, rows, float64(n)/now.Sub(start).Seconds())
		last, lastRows, lastBytes = now, n, b
		return line
	}
}
