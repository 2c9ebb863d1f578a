package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// client is one /ws/live client viewing one region of the fleet. It
// decodes only what it measures (it scans the JSON rather than parsing it
// all), so that a hundred clients take as little as possible of a machine
// the server is measured on.
type client struct {
	conn  *websocket.Conn
	l     layout
	g     *generator
	first int // the view's first row of cells

	mu         sync.Mutex
	got        []uint64 // bitset: (drone's index in the view)*ticks + tick received
	inView     uint64   // distinct in-view positions received
	outOfView  uint64   // states of drones outside the view (the low rate)
	unknown    uint64   // states of no position of this run (a previous run's vehicles, no position yet)
	latMs      []float64
	latTick    []int32 // the tick (send time) of each latMs, for the p99 by window
	dropped    uint64  // the server's count of states this client missed (it lagged)
	err        error
	lastChange time.Time
}

// dialClient connects, sends the view and waits for the server to apply it.
func dialClient(ctx context.Context, wsURL string, header http.Header, l layout, g *generator, first int, compact bool) (*client, error) {
	conn, resp, err := websocket.DefaultDialer.DialContext(ctx, wsURL, header)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("%s: %s (is the token a watching user's? --token or BORDERWATCH_TOKEN)", wsURL, resp.Status)
		}
		return nil, fmt.Errorf("%s: %w", wsURL, err)
	}
	c := &client{conn: conn, l: l, g: g, first: first, got: make([]uint64, (l.viewSize(first)*g.ticks+63)/64)}
	bbox := l.bbox(first)
	// A compact client gets motion updates ({"id", "motion": true, …})
	// for states whose status it holds; their keys come in the whole
	// state's order, so scan reads both forms alike.
	view, _ := json.Marshal(map[string]any{"type": "view", "bbox": bbox, "rate_hz": 10, "compact": compact})
	if err := conn.WriteMessage(websocket.TextMessage, view); err != nil {
		conn.Close()
		return nil, err
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("waiting for the server to apply the view: %w", err)
		}
		var m struct{ Type, Error string }
		if bytes.HasPrefix(data, []byte(`{"type":"vehicles"`)) {
			c.scan(data, time.Now().UnixNano())
			continue
		}
		if json.Unmarshal(data, &m) == nil && m.Type == "error" {
			conn.Close()
			return nil, fmt.Errorf("the server refused the view: %s (a server without views?)", m.Error)
		}
		if m.Type == "view" {
			break
		}
	}
	_ = conn.SetReadDeadline(time.Time{})
	return c, nil
}

// readBuffer is each client's read buffer at the start, above the largest
// message of a run's first second (a batch of whole states; later ones are
// motion updates, smaller): a hundred clients growing their buffers by
// doubling in that second cost the load test 0.15 s of CPU, taken from the
// server it measures just when every vehicle appears.
const readBuffer = 512 << 10

func (c *client) read() {
	var buf bytes.Buffer // reused: a hundred clients allocating every message is the load test's own load
	buf.Grow(readBuffer)
	for {
		_, r, err := c.conn.NextReader()
		if err == nil {
			buf.Reset()
			_, err = buf.ReadFrom(r)
		}
		now := time.Now().UnixNano()
		if err != nil {
			c.mu.Lock()
			c.err = err
			c.mu.Unlock()
			return
		}
		if data := buf.Bytes(); bytes.HasPrefix(data, []byte(`{"type":"vehicles"`)) {
			c.scan(data, now)
		}
	}
}

// The keys start with a letter, not the quote: bytes.Index jumps between
// occurrences of the first byte, and JSON is full of quotes.
var (
	keyHeading = []byte(`heading_deg":`)
	keyLinks   = []byte(`link_stats":{`)
	keyLat     = []byte(`,"lat":`)
	keyLon     = []byte(`,"lon":`)
	keyDropped = []byte(`"dropped":`)
)

// scan counts the states of one "vehicles" message. A state is found by
// its heading (the tick, see maxTicks) and its position (the drone, see
// layout). The vehicle object's fields come in a fixed order: heading_deg
// early, link_stats last of the plain fields, then the vehicle's own lat
// and lon (a home position's come before link_stats). Forward searches
// only: they are the cheap ones.
func (c *client) scan(data []byte, now int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lastChange = time.Now()
	next := bytes.Index(data, keyHeading)
	for next >= 0 {
		seg := data[next+len(keyHeading):]
		next = bytes.Index(seg, keyHeading)
		if next >= 0 {
			next += len(data) - len(seg) // back to an index into data
			seg = seg[:next-(len(data)-len(seg))]
		}
		heading, ok1 := number(seg)
		lat, ok2 := after(seg, keyLinks, keyLat)
		lon, ok3 := after(seg, keyLinks, keyLon)
		drone := -1
		if ok1 && ok2 && ok3 {
			drone = c.l.drone(lat, lon)
		}
		tick := int(math.Round(heading * 100))
		sent := c.g.sent(drone, tick)
		switch {
		case sent == 0:
			c.unknown++
		case !c.l.inView(drone, c.first):
			c.outOfView++
		default:
			bit := (drone-c.first*c.l.cols)*c.g.ticks + tick
			if c.got[bit/64]&(1<<(bit%64)) == 0 {
				c.got[bit/64] |= 1 << (bit % 64)
				c.inView++
				c.latMs = append(c.latMs, float64(now-sent)/1e6)
				c.latTick = append(c.latTick, int32(tick))
			}
		}
	}
	tail := data[max(0, len(data)-48):] // {…,"dropped":N} ends the message
	if i := bytes.LastIndex(tail, keyDropped); i >= 0 {
		if d, ok := number(tail[i+len(keyDropped):]); ok {
			c.dropped = uint64(d)
		}
	}
}

// after is the number after key, searched after the first mark in b.
// The vehicle's lat and lon follow the link_stats object (which holds no
// object), so the search starts at its end.
func after(b, mark, key []byte) (float64, bool) {
	i := bytes.Index(b, mark)
	if i < 0 {
		return 0, false
	}
	b = b[i+len(mark):]
	if j := bytes.IndexByte(b, '}'); j >= 0 {
		b = b[j+1:]
	}
	j := bytes.Index(b, key)
	if j < 0 {
		return 0, false
	}
	return number(b[j+len(key):])
}

// number parses the JSON number at the start of b.
func number(b []byte) (float64, bool) {
	end := 0
	for end < len(b) && strings.IndexByte("+-.0123456789eE", b[end]) >= 0 {
		end++
	}
	f, err := strconv.ParseFloat(string(b[:end]), 64)
	return f, err == nil
}
