package store

import (
	"hash/maphash"

	"github.com/google/uuid"
)

// CategoryIDs makes the ids of new categories: random UUIDs whose first
// 48 bits are the same for the categories of one order id (both payment
// types) while the process runs. A v2 PUT gives its order's category a
// new id every time, and both stores find categories by id through an
// index sorted by id: when the old id and the new one share a prefix,
// they share a page of that index too, and the PUT rewrites one page of
// it rather than two. The prefix is a hash keyed with a seed of this
// process, so it tells nothing of the order id; the other 74 bits are
// random (version 8, RFC 9562's variant).
type CategoryIDs struct {
	seed maphash.Seed
}

// NewCategoryIDs returns a maker of ids with a seed of its own.
func NewCategoryIDs() *CategoryIDs { return &CategoryIDs{seed: maphash.MakeSeed()} }

// Next returns a new id for a category of key's order. It is safe for
// concurrent use.
func (g *CategoryIDs) Next(key OrderKey) string {
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
