package server

import (
	"hash/maphash"

	"github.com/google/uuid"

	"github.com/ordermgmt/ordermgmt/internal/store"
)

// categoryIDs makes the ids of new categories: random UUIDs whose first
// 48 bits are the same for the categories of one order id (both payment
// types) while the node runs. A v2 PUT gives its order's category a new
// id every time, and the store finds categories by id through an index
// sorted by id: when the old id and the new one share a prefix, they
// share a page of that index too, and the PUT rewrites one page of it
// rather than two. The prefix is a hash keyed with a seed of this
// process, so it tells nothing of the order id; the other 74 bits are
// random (version 8, RFC 9562's variant).
type categoryIDs struct {
	seed maphash.Seed
}

func newCategoryIDs() *categoryIDs { return &categoryIDs{seed: maphash.MakeSeed()} }

// next returns a new id for a category of key's order.
func (g *categoryIDs) next(key store.OrderKey) string {
	id := uuid.New() // version 4: 122 random bits
	var h maphash.Hash
	h.SetSeed(g.seed)
	h.WriteString(key.MSN)
	h.WriteByte(0)
	h.WriteString(key.OrderID)
	p := h.Sum64()
	for i := range 6 {
		id[i] = byte(p >> (56 - 8*i))
	}
	id[6] = id[6]&0x0f | 0x80 // version 8
	return id.String()
}
