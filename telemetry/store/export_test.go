package store

import (
	"io"
	"time"
)

// WithoutChain turns the evidence chain off for a store not yet initialized:
// only the benchmark that measures what the chain costs uses it.
func WithoutChain(s *Store) { s.noChain = true }

// ImportTlogAt is ImportTlog with the time of the import given, for tests
// of the timestamp rule that must not depend on the wall clock.
func ImportTlogAt(s *Store, r io.Reader, source string, progress func(ImportProgress), now time.Time) (ImportResult, error) {
	return s.importTlog(r, "", source, progress, now)
}
