package coordinator

import (
	"testing"

	hraft "github.com/hashicorp/raft"
)

func TestNextPromotion(t *testing.T) {
	v := func(id string) hraft.Server { return hraft.Server{ID: hraft.ServerID(id), Suffrage: hraft.Voter} }
	nv := func(id string) hraft.Server { return hraft.Server{ID: hraft.ServerID(id), Suffrage: hraft.Nonvoter} }
	tests := []struct {
		name     string
		servers  []hraft.Server
		up       []string
		caughtUp []string
		want     string // "" = no promotion
	}{
		{"caught-up non-voter of a standalone group", []hraft.Server{v("n1"), nv("n2")}, []string{"n1", "n2"}, []string{"n2"}, "n2"},
		{"unreachable or lagging: stays a non-voter", []hraft.Server{v("n1"), nv("evil")}, []string{"n1", "evil"}, nil, ""},
		{"not registered up", []hraft.Server{v("n1"), nv("n2")}, []string{"n1"}, []string{"n2"}, ""},
		{"already MaxVoters voters", []hraft.Server{v("n1"), v("n2"), v("n3"), nv("n4")}, []string{"n1", "n2", "n3", "n4"}, []string{"n4"}, ""},
		{"first caught-up one", []hraft.Server{v("n1"), nv("n2"), nv("n3")}, []string{"n1", "n2", "n3"}, []string{"n3"}, "n3"},
		{"re-added after a removal", []hraft.Server{v("n1"), v("n2"), nv("n3")}, []string{"n1", "n2", "n3"}, []string{"n3"}, "n3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := map[string]bool{}
			for _, id := range tt.up {
				up[id] = true
			}
			got, ok := nextPromotion(tt.servers, up, func(s hraft.Server) bool {
				for _, id := range tt.caughtUp {
					if string(s.ID) == id {
						return true
					}
				}
				return false
			})
			if (ok && string(got.ID) != tt.want) || (!ok && tt.want != "") {
				t.Fatalf("promotes %q (%v), want %q", got.ID, ok, tt.want)
			}
		})
	}
}
