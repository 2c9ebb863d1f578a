package store

// WithoutChain turns the evidence chain off for a store not yet initialized:
// only the benchmark that measures what the chain costs uses it.
func WithoutChain(s *Store) { s.noChain = true }
