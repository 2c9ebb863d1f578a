package federation

// The stream configurations a server makes, for the external package's
// test of the documented cluster's streams (external_nats_test.go).
var (
	EventsStreamConfig = eventsStreamConfig
	StatesStreamConfig = statesStreamConfig
)
