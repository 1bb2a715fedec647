package server

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// StorageUsage is what the object store holds for this cluster, by kind
// of object (insert_log chunks, delta_log, stats_log, index_files) and by
// collection (chunks and delta logs; an index file's key names its build,
// not its collection).
type StorageUsage struct {
	Backend      string                  `json:"backend"` // local or minio
	Location     string                  `json:"location"`
	Objects      int64                   `json:"objects"`
	Bytes        int64                   `json:"bytes"`
	ByKind       map[string]*ObjectCount `json:"byKind"`
	ByCollection map[string]*ObjectCount `json:"byCollection"`
	ListedMillis float64                 `json:"listedMs"`
}

// ObjectCount counts objects and their bytes.
type ObjectCount struct {
	Objects int64 `json:"objects"`
	Bytes   int64 `json:"bytes"`
}

func (c *ObjectCount) add(size int64) { c.Objects, c.Bytes = c.Objects+1, c.Bytes+size }

// Storage lists the object store (one listing: the console asks for it
// every few seconds at most, on its cluster page).
func (a admin) Storage(ctx context.Context) (any, error) {
	st := a.s.cfg.Storage
	u := StorageUsage{Backend: st.Kind, ByKind: map[string]*ObjectCount{}, ByCollection: map[string]*ObjectCount{}}
	if st.Kind == "minio" {
		u.Location = fmt.Sprintf("s3://%s/%s (%s)", st.Bucket, st.Root, st.Endpoint)
	} else {
		u.Location = localObjectsDir(a.s.cfg)
	}
	start := time.Now()
	root := strings.Trim(a.s.host.Lifecycle().Root, "/")
	objs, err := a.s.store.List(ctx, root)
	if err != nil {
		return nil, fmt.Errorf("server: listing object storage: %w", err)
	}
	u.ListedMillis = float64(time.Since(start).Microseconds()) / 1e3
	names := map[string]string{}
	for _, c := range a.s.coord.Collections() {
		names[fmt.Sprint(c.ID)] = c.Name
	}
	for _, o := range objs {
		u.Objects, u.Bytes = u.Objects+1, u.Bytes+o.Size
		parts := strings.Split(strings.TrimPrefix(strings.TrimPrefix(o.Key, root), "/"), "/")
		countIn(u.ByKind, parts[0], o.Size)
		if len(parts) > 1 && (parts[0] == "insert_log" || parts[0] == "delta_log" || parts[0] == "stats_log") {
			name, ok := names[parts[1]]
			if !ok {
				name = "(dropped) " + parts[1]
			}
			countIn(u.ByCollection, name, o.Size)
		}
	}
	return u, nil
}

func countIn(m map[string]*ObjectCount, k string, size int64) {
	c := m[k]
	if c == nil {
		c = &ObjectCount{}
		m[k] = c
	}
	c.add(size)
}
