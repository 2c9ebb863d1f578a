package gcs

import "testing"

// A link URL is shown (API, alerts, logs) without any user or password it
// carries; the rest of it, the network option included, stays.
func TestRedactLinkURL_DropsCredentials(t *testing.T) {
	for in, want := range map[string]string{
		"udp://radio:s3cret@127.0.0.1:14550?network=east": "udp://127.0.0.1:14550?network=east",
		"tcp://user@10.0.0.2:5760":                        "tcp://10.0.0.2:5760",
		"serial:///dev/ttyUSB0?baud=57600":                "serial:///dev/ttyUSB0?baud=57600",
		"udp://0.0.0.0:14550":                             "udp://0.0.0.0:14550",
		"udp://%zz":                                       "(unparsable link URL)",
	} {
		if got := RedactLinkURL(in); got != want {
			t.Errorf("RedactLinkURL(%q) = %q, want %q", in, got, want)
		}
	}
}
