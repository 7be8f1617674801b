//go:build !candourrelease

package store

// The rules of a force's months of records (powers.go) that a stand-in for
// the store keeps to. The server's tests run powers' and disparity's own
// imports and figures on a world in memory (server/power_world_test.go); it
// names months and chunks and sums a month's parts the store's way by
// calling these, rather than writing the rules a second time.

// PowerMonthID is the _id of a month of a force's records of a kind.
func PowerMonthID(kind, force, month string) string { return powerMonthID(kind, force, month) }

// PowerChunkID is the _id of the i-th chunk of records an import (gen)
// wrote for a month.
func PowerChunkID(monthID, gen string, i int) string { return powerChunkID(monthID, gen, i) }

// Sum recomputes the month's counters from its parts, as every write of a
// part does.
func (m *PowerMonth) Sum() { m.sum() }
