package store

// ImportTlogAt is ImportTlog with the time of the import given, for tests
// of the timestamp rule that must not depend on the wall clock.
var ImportTlogAt = (*Store).importTlog
