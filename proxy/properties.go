package proxy

import "context"

// AlterProperties implements api.Backend: it sets, then drops, properties
// of a collection (of the context's database) through the metadata log. The shards need no message:
// every read and write takes the collection's TTL from the metadata as it
// goes (ReadArgs.TTL, fsm.Command.TTL).
func (p *Proxy) AlterProperties(ctx context.Context, coll string, set map[string]string, drop []string) error {
	return p.coord.AlterProperties(ctx, qualify(ctx, coll), set, drop)
}
