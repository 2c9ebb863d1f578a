package loadtest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// metrics is one scrape of the server's /metrics, each metric summed over
// its labels (links, rate classes).
type metrics map[string]float64

// The server metrics a run reads (docs/api.md, /metrics).
const (
	mLinkFrames     = "borderwatch_link_frames_total"
	mLinkUnadmitted = "borderwatch_link_unadmitted_frames_total"
	mRecFrames      = "borderwatch_recorder_frames_total"
	mRecDropped     = "borderwatch_recorder_dropped_total"
	mHubDropped     = "borderwatch_hub_dropped_total"
	mHubCoalesced   = "borderwatch_hub_coalesced_total"
	mLiveStates     = "borderwatch_live_states_total"
	mLiveDropped    = "borderwatch_live_dropped_total"
	mLiveFailures   = "borderwatch_live_write_failures_total"
	mLiveEncoded    = "borderwatch_live_encoded_total"
	mLiveMotion     = "borderwatch_live_encoded_motion_total"
	mLiveBytes      = "borderwatch_live_bytes_total"
	mLiveRateCoal   = "borderwatch_live_rate_coalesced_total"
	mCPU            = "process_cpu_seconds_total"
	mRSS            = "process_resident_memory_bytes"
)

// server is the running server a load test measures, reached over HTTP.
type server struct {
	url    string // http(s)://host:port
	header http.Header
	http   *http.Client
}

func (s *server) get(ctx context.Context, path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header = s.header.Clone()
	resp, err := s.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", s.url+path, err)
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		resp.Body.Close()
		hint := ""
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			hint = " (the load test needs an admin's token for /metrics, from `borderwatch tokens create ADMIN`, or a server run with --metrics-open)"
		}
		return nil, fmt.Errorf("GET %s: %s: %s%s", s.url+path, resp.Status, strings.TrimSpace(string(body)), hint)
	}
	return resp, nil
}

// scrape reads /metrics in the Prometheus text format.
func (s *server) scrape(ctx context.Context) (metrics, error) {
	resp, err := s.get(ctx, "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return parseMetrics(resp.Body)
}

// parseMetrics sums each metric's samples over their labels.
func parseMetrics(r io.Reader) (metrics, error) {
	m := metrics{}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		name, rest := line, ""
		if i := strings.IndexAny(line, "{ "); i >= 0 {
			name, rest = line[:i], line[i:]
		}
		if strings.HasPrefix(rest, "{") {
			rest = rest[strings.LastIndexByte(rest, '}')+1:]
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return nil, fmt.Errorf("/metrics: %q: %w", line, err)
		}
		m[name] += v
	}
	return m, sc.Err()
}

// vehicles counts the vehicles the server holds.
func (s *server) vehicles(ctx context.Context) (int, error) {
	resp, err := s.get(ctx, "/api/v1/vehicles")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var list []json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		return 0, fmt.Errorf("GET /api/v1/vehicles: %w", err)
	}
	return len(list), nil
}
