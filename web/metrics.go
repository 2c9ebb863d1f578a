package web

import (
	"context"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// liveCounters count what the WebSocket streams did; the metrics collector
// reads them at scrape time.
type liveCounters struct {
	clients  atomic.Int64
	batches  atomic.Uint64
	states   atomic.Uint64
	dropped  atomic.Uint64 // states a lagging client skipped (coalesced or dropped)
	failures atomic.Uint64 // clients disconnected by a failed or slow write
	events   atomic.Uint64 // events sent to live clients

	encoded       atomic.Uint64                 // vehicle states encoded by the fan-out (once for every client)
	encodedMotion atomic.Uint64                 // vehicle states encoded in the motion form (once for every compact client)
	bytes         atomic.Uint64                 // bytes of the vehicles and events frames written to live clients
	classStates   [len(liveRates)]atomic.Uint64 // states each full-rate class picked for its clients
	lowStates     atomic.Uint64                 // states picked at the low rate (vehicles outside a view)
	rateCoalesced atomic.Uint64                 // states a class skipped for a newer one to keep its rate
	views         atomic.Uint64                 // view messages applied
	viewErrors    atomic.Uint64                 // client messages refused
}

// metricsHandler serves /metrics in the Prometheus text format. Values are
// read from the fleet, the hub and the stream counters when scraped, so
// nothing is counted twice and no hot path pays for metrics.
func (s *Server) metricsHandler() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(&serverCollector{s: s})
	reg.MustRegister(&fedLiveCollector{s: s}) // web/federation_live_metrics.go
	for _, c := range s.Collectors {
		reg.MustRegister(c)
	}
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

var (
	descLinkFrames   = prometheus.NewDesc("borderwatch_link_frames_total", "MAVLink frames received on a link.", []string{"link"}, nil)
	descLinkBytes    = prometheus.NewDesc("borderwatch_link_bytes_total", "Bytes of MAVLink frames received on a link.", []string{"link"}, nil)
	descLinkGarbage  = prometheus.NewDesc("borderwatch_link_garbage_bytes_total", "Non-MAVLink bytes skipped on a link.", []string{"link"}, nil)
	descLinkBadSum   = prometheus.NewDesc("borderwatch_link_bad_checksum_total", "Frames dropped for a wrong checksum.", []string{"link"}, nil)
	descLinkTrunc    = prometheus.NewDesc("borderwatch_link_truncated_total", "Partial frames dropped at the end of a datagram.", []string{"link"}, nil)
	descLinkSent     = prometheus.NewDesc("borderwatch_link_sent_total", "Frames sent on a link.", []string{"link"}, nil)
	descLinkSendErr  = prometheus.NewDesc("borderwatch_link_send_errors_total", "Frames that could not be sent on a link.", []string{"link"}, nil)
	descLinkUnknown  = prometheus.NewDesc("borderwatch_link_unknown_frames_total", "Frames of message ids the dialect does not define (checksum not verifiable), counted and passed on.", []string{"link"}, nil)
	descLinkUndecod  = prometheus.NewDesc("borderwatch_link_undecodable_total", "Frames whose payload the dialect could not decode.", []string{"link"}, nil)
	descLinkSendDrop = prometheus.NewDesc("borderwatch_link_send_dropped_total", "Frames dropped because a link's send queue was full (a stalled socket or TCP peer).", []string{"link"}, nil)
	descLinkRefused  = prometheus.NewDesc("borderwatch_link_refused_connections_total", "tcps:// connections closed at once because the link had its maximum of peers.", []string{"link"}, nil)
	descLinkIdle     = prometheus.NewDesc("borderwatch_link_idle_closed_total", "Stream connections closed, and serial ports closed and reopened, because nothing arrived for the idle timeout or a write stalled.", []string{"link"}, nil)
	descLinkUnadmit  = prometheus.NewDesc("borderwatch_link_unadmitted_frames_total", "Frames of systems that are not vehicles (no autopilot heartbeat yet, other ground stations, noise): neither state nor record.", []string{"link"}, nil)
	descInboxDropped = prometheus.NewDesc("borderwatch_fleet_session_inbox_dropped_total", "Protocol messages a running command, parameter or transfer session could not take (recovered by its retries).", nil, nil)
	descNonFinite    = prometheus.NewDesc("borderwatch_vehicle_non_finite_total", "NaN and infinite values vehicles sent, dropped by the decoder (summed over the fleet).", nil, nil)
	descParamsDrop   = prometheus.NewDesc("borderwatch_vehicle_params_dropped_total", "Parameter values not cached because a vehicle sent more names than the cache holds (summed over the fleet).", nil, nil)
	descEncodeFail   = prometheus.NewDesc("borderwatch_http_encode_failures_total", "API answers that could not be encoded as JSON (answered 500 with the reason).", nil, nil)
	descHubPub       = prometheus.NewDesc("borderwatch_hub_published_total", "Messages published to the telemetry hub.", nil, nil)
	descHubDropped   = prometheus.NewDesc("borderwatch_hub_dropped_total", "Messages dropped from full subscriber queues.", nil, nil)
	descHubCoalesced = prometheus.NewDesc("borderwatch_hub_coalesced_total", "Vehicle states replaced by a newer one for a lagging subscriber.", nil, nil)
	descHubSubs      = prometheus.NewDesc("borderwatch_hub_subscribers", "Current hub subscribers.", nil, nil)
	descLiveClients  = prometheus.NewDesc("borderwatch_live_clients", "Connected /ws/live clients.", nil, nil)
	descLiveBatches  = prometheus.NewDesc("borderwatch_live_batches_total", "WebSocket frames sent to live clients.", nil, nil)
	descLiveStates   = prometheus.NewDesc("borderwatch_live_states_total", "Vehicle states sent to live clients.", nil, nil)
	descLiveDropped  = prometheus.NewDesc("borderwatch_live_dropped_total", "Vehicle states live clients skipped because they lagged.", nil, nil)
	descLiveEvents   = prometheus.NewDesc("borderwatch_live_events_total", "Events sent to live clients.", nil, nil)
	descLiveFailures = prometheus.NewDesc("borderwatch_live_write_failures_total", "Live clients disconnected by a failed or too slow write.", nil, nil)
	descLiveEncoded  = prometheus.NewDesc("borderwatch_live_encoded_total", "Vehicle states encoded by the live fan-out (each once, shared by every client).", nil, nil)
	descLiveMotion   = prometheus.NewDesc("borderwatch_live_encoded_motion_total", "Vehicle states encoded by the live fan-out in the motion form, for compact clients that hold their status (each once, shared).", nil, nil)
	descLiveBytes    = prometheus.NewDesc("borderwatch_live_bytes_total", "Bytes of the vehicles and events frames written to live clients.", nil, nil)
	descLiveClass    = prometheus.NewDesc("borderwatch_live_class_states_total", "Vehicle states picked by each rate class of the live fan-out (rate \"low\": vehicles outside a client's view).", []string{"rate_hz"}, nil)
	descLiveRateCoal = prometheus.NewDesc("borderwatch_live_rate_coalesced_total", "Vehicle states a rate class skipped for a newer one to keep within its rate.", nil, nil)
	descLiveViews    = prometheus.NewDesc("borderwatch_live_views_total", "View messages live clients sent that were applied.", nil, nil)
	descLiveViewErr  = prometheus.NewDesc("borderwatch_live_view_errors_total", "Messages live clients sent that were refused (answered with an error).", nil, nil)
)

type serverCollector struct{ s *Server }

func (c *serverCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descLinkFrames, descLinkBytes, descLinkGarbage, descLinkBadSum, descLinkTrunc,
		descLinkSent, descLinkSendErr, descLinkUnknown, descLinkUndecod, descLinkSendDrop, descLinkRefused, descLinkIdle, descLinkUnadmit,
		descInboxDropped, descNonFinite, descParamsDrop, descEncodeFail, descHubPub, descHubDropped, descHubCoalesced, descHubSubs,
		descLiveClients, descLiveBatches, descLiveStates, descLiveDropped, descLiveEvents, descLiveFailures,
		descLiveEncoded, descLiveMotion, descLiveBytes, descLiveClass, descLiveRateCoal, descLiveViews, descLiveViewErr} {
		ch <- d
	}
}

func (c *serverCollector) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	for _, l := range c.s.Fleet.LinkStats() {
		counter(descLinkFrames, l.Frames, l.URL)
		counter(descLinkBytes, l.Bytes, l.URL)
		counter(descLinkGarbage, l.GarbageBytes, l.URL)
		counter(descLinkBadSum, l.BadChecksum, l.URL)
		counter(descLinkTrunc, l.Truncated, l.URL)
		counter(descLinkSent, l.Sent, l.URL)
		counter(descLinkSendErr, l.SendErrors, l.URL)
		counter(descLinkUnknown, l.Unknown, l.URL)
		counter(descLinkUndecod, l.Undecodable, l.URL)
		counter(descLinkSendDrop, l.SendDropped, l.URL)
		counter(descLinkRefused, l.RefusedConnections, l.URL)
		counter(descLinkIdle, l.IdleClosed, l.URL)
		counter(descLinkUnadmit, l.Unadmitted, l.URL)
	}
	counter(descInboxDropped, c.s.Fleet.SessionInboxDropped())
	counter(descEncodeFail, encodeFailures.Load())
	// Per-vehicle counters are summed: a label per vehicle would grow with
	// the fleet. The per-vehicle values are in each vehicle's link_stats.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if vs, err := c.s.Fleet.Vehicles(ctx); err == nil {
		var nonFinite, params uint64
		for _, v := range vs {
			nonFinite += v.Link.NonFinite
			params += v.Link.ParamsDropped
		}
		counter(descNonFinite, nonFinite)
		counter(descParamsDrop, params)
	}
	h := c.s.Hub.Stats()
	counter(descHubPub, h.Published)
	counter(descHubDropped, h.Dropped)
	counter(descHubCoalesced, h.Coalesced)
	ch <- prometheus.MustNewConstMetric(descHubSubs, prometheus.GaugeValue, float64(h.Subscribers))
	lc := &c.s.live
	ch <- prometheus.MustNewConstMetric(descLiveClients, prometheus.GaugeValue, float64(lc.clients.Load()))
	counter(descLiveBatches, lc.batches.Load())
	counter(descLiveStates, lc.states.Load())
	counter(descLiveDropped, lc.dropped.Load())
	counter(descLiveEvents, lc.events.Load())
	counter(descLiveFailures, lc.failures.Load())
	counter(descLiveEncoded, lc.encoded.Load())
	counter(descLiveMotion, lc.encodedMotion.Load())
	counter(descLiveBytes, lc.bytes.Load())
	for i, r := range liveRates {
		counter(descLiveClass, lc.classStates[i].Load(), strconv.FormatFloat(r, 'g', -1, 64))
	}
	counter(descLiveClass, lc.lowStates.Load(), "low")
	counter(descLiveRateCoal, lc.rateCoalesced.Load())
	counter(descLiveViews, lc.views.Load())
	counter(descLiveViewErr, lc.viewErrors.Load())
}
