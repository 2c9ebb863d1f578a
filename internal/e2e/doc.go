// Package e2e holds end-to-end tests that join the planner, the ground
// station and the simulator over real loopback sockets, as an operator's
// patrol does: plan on a real border, upload with verification, fly, and
// check the safety promise (nothing Borderwatch plans or accepts sends a
// drone across the border it patrols). It has no code of its own.
package e2e
