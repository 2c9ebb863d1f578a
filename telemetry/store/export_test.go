package store

// WithoutChain turns the evidence chain off for a store not yet initialized:
// only the benchmark that measures what the chain costs uses it.
func WithoutChain(s *Store) { s.noChain = true }

// ImportTlogAt is ImportTlog with the time of the import given, for tests
// of the timestamp rule that must not depend on the wall clock.
var ImportTlogAt = (*Store).importTlog
