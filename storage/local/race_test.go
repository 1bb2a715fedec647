package local

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

// Put and Delete race in one directory: Delete removes directories it
// empties while Put is about to create a file there; Put must recreate them.
func TestPutDeleteRaceOnDirectories(t *testing.T) {
	s, _ := newTestStore(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 200 {
				key := fmt.Sprintf("race/seg/%d-%d", w, i)
				if err := s.Put(ctx, key, []byte("v")); err != nil {
					t.Errorf("Put(%q): %v", key, err)
					return
				}
				if err := s.Delete(ctx, key); err != nil {
					t.Errorf("Delete(%q): %v", key, err)
					return
				}
			}
		})
	}
	wg.Wait()
	infos, err := s.List(ctx, "")
	if err != nil || len(infos) != 0 {
		t.Fatalf("List = %v, %v; want empty", infos, err)
	}
}
