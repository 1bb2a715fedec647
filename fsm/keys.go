package fsm

import "github.com/raftvec/raftvec/segment"

// KeyWindow is how many recent idempotency keys a shard remembers. A client
// retrying a write with an unknown outcome must retry within this many
// keyed writes to the shard.
const KeyWindow = 100000

// keyWindow remembers the results of the last KeyWindow keyed entries, in
// apply order (a FIFO, so eviction is deterministic).
type keyWindow struct {
	m     map[string]Result
	order []string
}

func (w *keyWindow) get(k string) (Result, bool) {
	r, ok := w.m[k]
	if ok {
		r.Replayed = true
	}
	return r, ok
}

func (w *keyWindow) put(k string, r Result) {
	w.m[k] = Result{Count: r.Count, MinPK: r.MinPK}
	w.order = append(w.order, k)
	if len(w.order) > KeyWindow {
		delete(w.m, w.order[0])
		w.order = w.order[1:]
	}
}

func (w *keyWindow) encode(e *segment.Encoder) {
	e.Uvarint(uint64(len(w.order)))
	for _, k := range w.order {
		e.String(k)
		e.Varint(w.m[k].Count)
		e.Varint(w.m[k].MinPK)
	}
}

func (w *keyWindow) decode(d *segment.Decoder) {
	n := d.Len(3)
	for i := 0; i < n && d.Err == nil; i++ {
		k := d.String()
		w.put(k, Result{Count: d.Varint(), MinPK: d.Varint()})
	}
}
