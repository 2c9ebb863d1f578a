package simulator

import "errors"

// Sentinel errors of the package.
var (
	// ErrClosed is returned by calls on a Fleet after Close.
	ErrClosed = errors.New("simulator: fleet is closed")
	// ErrNotStepped is returned by Step on a fleet that runs in real time.
	ErrNotStepped = errors.New("simulator: Step needs a fleet with Stepped set")
	// ErrScenario wraps every problem found in a scenario file.
	ErrScenario = errors.New("simulator: bad scenario")

	// errNotConnected: a tcp:// link is between connections; what it would send is dropped and counted.
	errNotConnected = errors.New("simulator: tcp link not connected")
)
