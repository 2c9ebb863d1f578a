package tak

import (
	"bytes"
	"encoding/json"
	"net"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/telemetry"
)

var t0 = time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)

// decoded is what Python's xml.etree.ElementTree (an XML parser that shares
// no code with ours) reads from an event.
type decoded struct {
	Tag    string            `json:"tag"`
	Attrs  map[string]string `json:"attrs"`
	Point  map[string]string `json:"point"`
	Detail map[string]map[string]string
	Remark string `json:"remarks"`
}

const pyDecode = `
import json, sys, xml.etree.ElementTree as ET
out = []
for doc in sys.stdin.read().split("\x00"):
    if not doc.strip():
        continue
    e = ET.fromstring(doc.encode())
    d = {"tag": e.tag, "attrs": dict(e.attrib), "point": dict(e.find("point").attrib), "Detail": {}, "remarks": ""}
    det = e.find("detail")
    if det is not None:
        for c in det:
            if c.tag == "remarks":
                d["remarks"] = c.text or ""
            else:
                d["Detail"][c.tag] = dict(c.attrib)
    out.append(d)
print(json.dumps(out))
`

// decodeIndependently decodes events with Python's ElementTree.
func decodeIndependently(t *testing.T, docs [][]byte) []decoded {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatalf("python3 (the independent CoT decoder) is not installed: %v", err)
	}
	cmd := exec.Command(py, "-c", pyDecode)
	cmd.Stdin = bytes.NewReader(bytes.Join(docs, []byte{0}))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3 could not decode our events: %v\n%s", err, stderr.String())
	}
	var ds []decoded
	if err := json.Unmarshal(out, &ds); err != nil {
		t.Fatal(err)
	}
	return ds
}

// readDatagrams reads n datagrams from a loopback socket (bounded wait).
func readDatagrams(t *testing.T, pc net.PacketConn, n int) [][]byte {
	t.Helper()
	var out [][]byte
	buf := make([]byte, 65536)
	_ = pc.SetReadDeadline(time.Now().Add(10 * time.Second))
	for len(out) < n {
		m, _, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatalf("after %d of %d datagrams: %v", len(out), n, err)
		}
		out = append(out, bytes.Clone(buf[:m]))
	}
	return out
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func drone() gcs.VehicleState {
	return gcs.VehicleState{ID: 2, SysID: 2, Autopilot: "ardupilot", VehicleType: "multirotor", Mode: "AUTO", Armed: true,
		Lat: 31.3401, Lon: -110.9402, AltM: 1290, RelAltM: 90, HeadingDeg: 271.5, GroundspeedMS: 12.25,
		HasPosition: true, BatteryPct: 76, LinkOK: true}
}

// udpSender runs a Sender to a UDP socket of the test's on loopback, with an
// injected clock at t0; everything stops at the end of the test.
func udpSender(t *testing.T, station string) (net.PacketConn, *telemetry.Hub, *clock, *Sender) {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	hub := &telemetry.Hub{}
	clk := &clock{t: t0}
	s := &Sender{URLs: []string{"udp://" + pc.LocalAddr().String()}, Hub: hub, Mapper: Mapper{Station: station}, Now: clk.now}
	if err := s.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return pc, hub, clk, s
}

// Our drone, a detection and an alert go out over a real UDP socket, and an
// independent XML parser reads every field as TAK would.
func TestSender_UDP_DecodedIndependently_EveryField(t *testing.T) {
	pc, hub, _, _ := udpSender(t, "nogales")
	hub.Publish(drone())
	hub.Publish(telemetry.Detection{EventHeader: telemetry.Header(t0, 2), TrackID: 7, Class: "person",
		ConfidencePct: 88, Lat: 31.3312, Lon: -110.9421, RangeM: 240, Sensor: "ir"})
	hub.Publish(telemetry.Alert{EventHeader: telemetry.Header(t0, 2), Type: telemetry.AlertLowBattery,
		Severity: telemetry.SeverityCritical, Text: "battery 19 % <critical>"})
	ds := decodeIndependently(t, readDatagrams(t, pc, 3))
	byType := map[string]decoded{}
	for _, d := range ds {
		if d.Tag != "event" || d.Attrs["version"] != "2.0" {
			t.Fatalf("not a CoT 2.0 event: %+v", d)
		}
		if d.Attrs["time"] != "2026-12-06T09:00:00.000Z" || d.Attrs["start"] != d.Attrs["time"] {
			t.Errorf("%s: time %q start %q", d.Attrs["uid"], d.Attrs["time"], d.Attrs["start"])
		}
		byType[d.Attrs["type"]] = d
	}
	dr, ok := byType["a-f-A-M-F-Q"]
	if !ok {
		t.Fatalf("no friendly drone event in %+v", ds)
	}
	want := map[string]string{"uid": "borderwatch.nogales.drone.2", "how": "m-g", "stale": "2026-12-06T09:00:15.000Z"}
	for k, v := range want {
		if dr.Attrs[k] != v {
			t.Errorf("drone %s = %q, want %q", k, dr.Attrs[k], v)
		}
	}
	if dr.Point["lat"] != "31.3401" || dr.Point["lon"] != "-110.9402" || dr.Point["hae"] != "1290" {
		t.Errorf("drone point %v", dr.Point)
	}
	if dr.Detail["contact"]["callsign"] != "nogales drone 2" || dr.Detail["track"]["course"] != "271.5" ||
		dr.Detail["track"]["speed"] != "12.25" || dr.Detail["status"]["battery"] != "76" {
		t.Errorf("drone detail %v", dr.Detail)
	}
	if !strings.Contains(dr.Remark, "mode AUTO") || !strings.Contains(dr.Remark, "battery 76 %") || !strings.Contains(dr.Remark, "alt 90 m") {
		t.Errorf("drone remarks %q", dr.Remark)
	}
	det, ok := byType["a-s-G-U-C-I"]
	if !ok {
		t.Fatalf("no suspect person event in %+v", ds)
	}
	if det.Attrs["uid"] != "borderwatch.nogales.track.2.7" || det.Attrs["how"] != "m-f" || det.Attrs["stale"] != "2026-12-06T09:02:00.000Z" ||
		det.Point["lat"] != "31.3312" || det.Point["lon"] != "-110.9421" || det.Point["ce"] != "24" ||
		det.Detail["link"]["uid"] != "borderwatch.nogales.drone.2" || !strings.Contains(det.Remark, "confidence 88 %") {
		t.Errorf("detection %+v", det)
	}
	al, ok := byType["b-m-p-s-m"]
	if !ok {
		t.Fatalf("no alert marker in %+v", ds)
	}
	// The alert's text reaches TAK as text: escaped, and read back whole.
	if al.Remark != "battery 19 % <critical>" || al.Point["lat"] != "31.3401" || !strings.HasPrefix(al.Detail["contact"]["callsign"], "CRITICAL") {
		t.Errorf("alert %+v", al)
	}
}

// A drone at 10 Hz goes to TAK at most once a second per uid.
func TestSender_RateLimitPerUID(t *testing.T) {
	pc, hub, clk, s := udpSender(t, "x")
	for range 5 {
		hub.Publish(drone())
	}
	testenv.Eventually(t, 10*time.Second, "the first state sent, the rest held back", func() bool {
		st := s.Stats()
		return st.Sent+st.RateLimited == 5
	})
	if st := s.Stats(); st.Sent != 1 || st.RateLimited != 4 {
		t.Fatalf("sent %d, held back %d; want 1 and 4", st.Sent, st.RateLimited)
	}
	clk.add(time.Second)
	hub.Publish(drone())
	testenv.Eventually(t, 10*time.Second, "a state a second later sent", func() bool { return s.Stats().Sent == 2 })
	readDatagrams(t, pc, 2)
}

// A TAK Server gets our events over TCP and sends its clients' markers back
// on the same connection; our own events echoed back are not markers.
func TestSender_TCP_TAKServerMarkersComeBack(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan *Event, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		sc := scanEvents(c)
		if sc.Scan() {
			e, _ := Parse(sc.Bytes())
			got <- e
		}
		// Echo our own event back, then a field team's marker.
		own, _ := (&Event{Version: "2.0", UID: "borderwatch.nogales.drone.2", Type: TypeOurDrone, How: "m-g", Time: FormatTime(t0), Start: FormatTime(t0), Stale: FormatTime(t0.Add(time.Hour)), Point: Point{Lat: 31, Lon: -110}}).Marshal()
		mk, _ := (&Event{Version: "2.0", UID: "ANDROID-team7", Type: "a-f-G-U-C", How: "h-e", Time: FormatTime(t0), Start: FormatTime(t0), Stale: FormatTime(t0.Add(time.Hour)),
			Point: Point{Lat: 31.35, Lon: -110.95, HAE: Unknown, CE: Unknown, LE: Unknown}, Detail: &Detail{Contact: &Contact{Callsign: "Team 7 <b>"}, Remarks: "holding at the wash"}}).Marshal()
		c.Write(append(own, mk...))
		sc.Scan() // wait until the sender closes
	}()
	hub := &telemetry.Hub{}
	clk := &clock{t: t0}
	markers := &Markers{Now: clk.now, Ignore: Mapper{Station: "nogales"}.Own}
	s := &Sender{URLs: []string{"tcp://" + ln.Addr().String()}, Hub: hub, Mapper: Mapper{Station: "nogales"}, Markers: markers, Now: clk.now}
	if err := s.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	hub.Publish(drone())
	select {
	case e := <-got:
		if e == nil || e.UID != "borderwatch.nogales.drone.2" {
			t.Fatalf("the TAK Server read %+v", e)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the TAK Server got nothing")
	}
	testenv.Eventually(t, 10*time.Second, "the field team's marker", func() bool { return len(markers.List()) == 1 })
	m := markers.List()[0]
	if m.UID != "ANDROID-team7" || m.Callsign != "Team 7 <b>" || m.Lat != 31.35 || m.Remarks != "holding at the wash" || m.HAEM != 0 {
		t.Fatalf("marker %+v", m)
	}
	if markers.Ignored() != 1 {
		t.Fatalf("ignored %d, want our own echo", markers.Ignored())
	}
}

// TAK clients' markers arrive over UDP; garbage is counted, a stale event
// and an event past the bound are not kept, and markers expire at stale.
func TestReceiver_UDP_MarkersExpireAtStale(t *testing.T) {
	clk := &clock{t: t0}
	markers := &Markers{Now: clk.now, Max: 2}
	r := &Receiver{URLs: []string{"udp://127.0.0.1:0"}, Markers: markers}
	if err := r.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	conn, err := net.Dial("udp", r.Addrs()[0].String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	send := func(uid string, stale time.Duration) {
		start := t0
		if stale < 0 {
			start = t0.Add(2 * stale) // an old event, stale before now
		}
		b, err := (&Event{Version: "2.0", UID: uid, Type: "b-m-p-s-p-i", How: "h-g-i-g-o", Time: FormatTime(start), Start: FormatTime(start), Stale: FormatTime(t0.Add(stale)), Point: Point{Lat: 31.3, Lon: -110.9}}).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		conn.Write(b)
	}
	send("poi-1", time.Minute)
	conn.Write([]byte("<event>not cot</event>"))
	send("old", -time.Second)
	send("poi-2", 2*time.Minute)
	testenv.Eventually(t, 10*time.Second, "2 markers, 1 bad datagram", func() bool {
		st := r.Stats()
		return st.Received == 3 && st.Bad == 1
	})
	if l := markers.List(); len(l) != 2 || l[0].UID != "poi-1" || l[1].UID != "poi-2" {
		t.Fatalf("markers %+v", l)
	}
	send("poi-3", 3*time.Minute) // over Max: the one going stale first (poi-1) goes
	testenv.Eventually(t, 10*time.Second, "the third marker", func() bool { return r.Stats().Received == 4 })
	if l := markers.List(); len(l) != 2 || l[0].UID != "poi-2" || markers.Dropped() != 1 {
		t.Fatalf("after a third marker: %+v (dropped %d)", l, markers.Dropped())
	}
	clk.add(150 * time.Second)
	if l := markers.List(); len(l) != 1 || l[0].UID != "poi-3" {
		t.Fatalf("after poi-2 went stale: %+v", l)
	}
}

func TestParse_Refusals(t *testing.T) {
	ok := `<event version="2.0" uid="u" type="a-f-G" how="h-e" time="2026-12-06T09:00:00Z" start="2026-12-06T09:00:00Z" stale="2026-12-06T09:05:00Z"><point lat="31" lon="-110" hae="0" ce="1" le="1"/></event>`
	if _, err := Parse([]byte(ok)); err != nil {
		t.Fatalf("a good event: %v", err)
	}
	for name, doc := range map[string]string{
		"not xml":     "hello",
		"no uid":      strings.Replace(ok, `uid="u"`, `uid=""`, 1),
		"bad type":    strings.Replace(ok, `type="a-f-G"`, `type="a f"`, 1),
		"bad time":    strings.Replace(ok, `time="2026-12-06T09:00:00Z"`, `time="yesterday"`, 1),
		"stale early": strings.Replace(ok, `stale="2026-12-06T09:05:00Z"`, `stale="2026-12-06T08:00:00Z"`, 1),
		"lat 95":      strings.Replace(ok, `lat="31"`, `lat="95"`, 1),
		"lon NaN":     strings.Replace(ok, `lon="-110"`, `lon="NaN"`, 1),
		"too big":     ok[:len(ok)-8] + strings.Repeat(" ", MaxEventBytes) + "</event>",
	} {
		if _, err := Parse([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzParse(f *testing.F) {
	e := Mapper{Station: "s"}.Detection(telemetry.Detection{EventHeader: telemetry.Header(t0, 1), TrackID: 3, Class: "vehicle", Lat: 31, Lon: -110}, t0)
	b, _ := e.Marshal()
	f.Add(b)
	f.Add([]byte(`<event version="2.0" uid="u" type="a" how="h" time="2026-12-06T09:00:00Z" start="2026-12-06T09:00:00Z" stale="2026-12-06T09:00:00Z"><point lat="0" lon="0" hae="0" ce="0" le="0"/></event>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := Parse(data)
		if err != nil {
			return
		}
		// What Parse accepts is a usable event: on the Earth, stale after
		// start, and it writes back to an event that reads the same.
		if e.Point.Lat < -90 || e.Point.Lat > 90 || e.Point.Lon < -180 || e.Point.Lon > 180 || e.UID == "" {
			t.Fatalf("accepted %+v", e)
		}
		start, _ := ParseTime(e.Start)
		stale, _ := ParseTime(e.Stale)
		if stale.Before(start) {
			t.Fatalf("accepted stale before start: %+v", e)
		}
		out, err := e.Marshal()
		if err != nil {
			t.Fatalf("an accepted event does not write back: %v", err)
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("written back, it no longer reads: %v\n%s", err, out)
		}
		if again.UID != e.UID || again.Type != e.Type || again.Point != e.Point || again.Stale != e.Stale {
			t.Fatalf("round trip changed the event:\n%+v\n%+v", e, again)
		}
	})
}
