package web

import "github.com/prometheus/client_golang/prometheus"

// The /ws/federation stream's own disconnects, in /metrics on a
// headquarters (docs/api.md, "Metrics"). The HQ's watchers and their
// overruns are counted by federation (borderwatch_federation_hq_watch_*);
// these count what the stream did about them and about stalled sockets.
var (
	descFedLiveTooSlow  = prometheus.NewDesc("borderwatch_federation_live_too_slow_total", "/ws/federation clients disconnected (close 1013) for letting more events wait than the stream keeps for them; they reconnect and read the view afresh.", nil, nil)
	descFedLiveFailures = prometheus.NewDesc("borderwatch_federation_live_write_failures_total", "/ws/federation clients disconnected by a failed write or one that did not complete within the write timeout (a client gone or not reading).", nil, nil)
)

// fedLiveCollector reads the stream's counters at scrape time.
type fedLiveCollector struct{ s *Server }

func (c *fedLiveCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descFedLiveTooSlow
	ch <- descFedLiveFailures
}

func (c *fedLiveCollector) Collect(ch chan<- prometheus.Metric) {
	if c.s.HQ == nil {
		return // a station serves no /ws/federation
	}
	ch <- prometheus.MustNewConstMetric(descFedLiveTooSlow, prometheus.CounterValue, float64(c.s.fedLive.tooSlow.Load()))
	ch <- prometheus.MustNewConstMetric(descFedLiveFailures, prometheus.CounterValue, float64(c.s.fedLive.failures.Load()))
}
