package api

import (
	"context"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/proxy"
)

// ChangeAccess applies the change as the coordinator does (Access.With).
func (f *fake) ChangeAccess(_ context.Context, ch coordinator.AccessChange) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.access.With(&ch)
	if err != nil {
		return err
	}
	f.access = n
	return nil
}

func (f *fake) Access(context.Context, bool) (*coordinator.Access, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.access, nil
}

func (f *fake) ResolveCollection(ctx context.Context, name string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if target, ok := f.aliases[coordinator.Qualify(proxy.Database(ctx), name)]; ok {
		_, n := coordinator.SplitName(target)
		return n
	}
	return name
}
