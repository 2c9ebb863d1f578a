package federation

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics exports a station's or a headquarters' counters to /metrics. It
// is made before either starts (the web server takes its collectors first)
// and told which one runs with SetStation or SetHQ.
type Metrics struct {
	station atomic.Pointer[Station]
	hq      atomic.Pointer[HQ]
}

// SetStation makes the metrics those of s.
func (m *Metrics) SetStation(s *Station) { m.station.Store(s) }

// SetHQ makes the metrics those of h.
func (m *Metrics) SetHQ(h *HQ) { m.hq.Store(h) }

var (
	mConnected                              = prometheus.NewDesc("borderwatch_federation_connected", "1 while the NATS connection is up.", []string{"role"}, nil)
	mStatesSent                             = prometheus.NewDesc("borderwatch_federation_states_sent_total", "Vehicle states published by this station.", nil, nil)
	mStatesDropped                          = prometheus.NewDesc("borderwatch_federation_states_dropped_total", "Vehicle states not published because the uplink was down (the next one goes instead).", nil, nil)
	mEventsPending                          = prometheus.NewDesc("borderwatch_federation_events_pending", "Events in the station's outbox not yet acknowledged by JetStream (grows while the uplink is down).", nil, nil)
	mEventsDropped                          = prometheus.NewDesc("borderwatch_federation_events_dropped_total", "Events the outbox could not keep (full, or a disk error): these never reach the headquarters.", nil, nil)
	mPublishErrors                          = prometheus.NewDesc("borderwatch_federation_publish_errors_total", "Failed attempts to publish a batch of events (retried).", nil, nil)
	mForwarded                              = prometheus.NewDesc("borderwatch_federation_forwarded_total", "Requests from a headquarters that passed the trust checks and ran.", nil, nil)
	mForwardRefused                         = prometheus.NewDesc("borderwatch_federation_forward_refused_total", "Requests from a headquarters refused (untrusted key, bad signature, replay, role, route) or failed.", nil, nil)
	mHQDuplicates                           = prometheus.NewDesc("borderwatch_federation_hq_duplicate_events_total", "Events a headquarters received again and skipped.", nil, nil)
	mHQGaps                                 = prometheus.NewDesc("borderwatch_federation_hq_gaps_total", "Breaks in a station's event sequence seen by the headquarters (events lost at the station or in the cluster).", nil, nil)
	mHQBadMessages                          = prometheus.NewDesc("borderwatch_federation_hq_bad_messages_total", "Messages on station subjects that were not valid states or event batches.", nil, nil)
	mHQViewWriteErrors                      = prometheus.NewDesc("borderwatch_federation_hq_view_write_errors_total", "Failed writes to the headquarters' view file (<data>.hqview): a batch not written is not acknowledged and comes again.", nil, nil)
	mHQWatchers                             = prometheus.NewDesc("borderwatch_federation_hq_watchers", "Clients watching the headquarters' view now (/ws/federation).", nil, nil)
	mHQCoalesced                            = prometheus.NewDesc("borderwatch_federation_hq_watch_coalesced_total", "Vehicle states a slow watcher let go for a newer one of the same vehicle.", nil, nil)
	mHQOverruns                             = prometheus.NewDesc("borderwatch_federation_hq_watch_overruns_total", "Watchers that let more than 512 events wait, and were disconnected to read the view afresh.", nil, nil)
	allMetricsDescs                         = []*prometheus.Desc{mConnected, mStatesSent, mStatesDropped, mEventsPending, mEventsDropped, mPublishErrors, mForwarded, mForwardRefused, mHQDuplicates, mHQGaps, mHQBadMessages, mHQViewWriteErrors, mHQWatchers, mHQCoalesced, mHQOverruns}
	counter, gauge                          = prometheus.CounterValue, prometheus.GaugeValue
	boolValue                               = func(b bool) float64 { return map[bool]float64{true: 1}[b] }
	_                  prometheus.Collector = (*Metrics)(nil)
)

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range allMetricsDescs {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	if s := m.station.Load(); s != nil {
		st := s.Stats()
		ch <- prometheus.MustNewConstMetric(mConnected, gauge, boolValue(st.Connected), "station")
		ch <- prometheus.MustNewConstMetric(mStatesSent, counter, float64(st.StatesSent))
		ch <- prometheus.MustNewConstMetric(mStatesDropped, counter, float64(st.StatesDropped))
		ch <- prometheus.MustNewConstMetric(mEventsPending, gauge, float64(st.EventsPending))
		ch <- prometheus.MustNewConstMetric(mEventsDropped, counter, float64(st.EventsDropped))
		ch <- prometheus.MustNewConstMetric(mPublishErrors, counter, float64(st.PublishErrors))
		ch <- prometheus.MustNewConstMetric(mForwarded, counter, float64(st.Forwarded))
		ch <- prometheus.MustNewConstMetric(mForwardRefused, counter, float64(st.ForwardRefused))
	}
	if h := m.hq.Load(); h != nil {
		st := h.Stats()
		ch <- prometheus.MustNewConstMetric(mConnected, gauge, boolValue(st.Connected), "hq")
		ch <- prometheus.MustNewConstMetric(mHQDuplicates, counter, float64(st.Duplicates))
		ch <- prometheus.MustNewConstMetric(mHQGaps, counter, float64(st.Gaps))
		ch <- prometheus.MustNewConstMetric(mHQBadMessages, counter, float64(st.BadMessages))
		ch <- prometheus.MustNewConstMetric(mHQViewWriteErrors, counter, float64(st.ViewWriteErrors))
		ws := h.WatchStats()
		ch <- prometheus.MustNewConstMetric(mHQWatchers, gauge, float64(ws.Watchers))
		ch <- prometheus.MustNewConstMetric(mHQCoalesced, counter, float64(ws.Coalesced))
		ch <- prometheus.MustNewConstMetric(mHQOverruns, counter, float64(ws.Overruns))
	}
}
