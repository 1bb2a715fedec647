package server

import (
	"context"
	"fmt"

	"github.com/raftvec/raftvec/shards"
)

// importFiles returns how import workers read their files: whole objects
// of the node's object store, by key (nil without a store).
func importFiles(st shards.ObjectStore) func(ctx context.Context, key string) ([]byte, error) {
	if st == nil {
		return nil
	}
	return func(ctx context.Context, key string) ([]byte, error) {
		b, err := st.Get(ctx, key)
		if err != nil {
			return nil, fmt.Errorf("object %q: %w", key, err)
		}
		return b, nil
	}
}
