package federation

import (
	"encoding/json"
	"strings"
	"testing"
)

// Messages on a station's subjects come from outside the HQ: a batch is
// accepted only if it is that station's, with a numbering name of at most
// maxNumbering bytes, numbered upwards from 1, with a type and valid data
// for every event; whatever it is, decoding never panics.
func FuzzDecodeBatch(f *testing.F) {
	good, _ := json.Marshal(batch{Station: "east", Events: []Event{{Seq: 1, Type: TypeDetection, Data: json.RawMessage(`{"track_id":1}`)}, {Seq: 2, Type: TypeAlert, Data: json.RawMessage(`{}`)}}})
	f.Add(good)
	f.Add([]byte(`{"station":"east","events":[{"seq":2,"type":"alert","data":{}},{"seq":1,"type":"alert","data":{}}]}`))
	f.Add([]byte(`{"station":"west","events":[]}`))
	f.Add([]byte(`{"station":"east","events":[{"seq":0,"type":"alert","data":{}}]}`))
	f.Add([]byte(`not json`))
	f.Add([]byte(`{"station":"east","numbering":"ABCDEFGHIJKLMNOP","events":[{"seq":1,"type":"alert","data":{}}]}`))
	f.Add([]byte(`{"station":"east","numbering":"` + strings.Repeat("x", 65) + `","events":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := decodeBatch(data, "east")
		if err != nil {
			if !strings.Contains(err.Error(), "batch") && !strings.Contains(err.Error(), "event") {
				t.Fatalf("error does not say what is wrong: %v", err)
			}
			return
		}
		if b.Station != "east" {
			t.Fatalf("accepted a batch of %q", b.Station)
		}
		if len(b.Numbering) > maxNumbering {
			t.Fatalf("accepted a numbering name of %d bytes", len(b.Numbering))
		}
		var last uint64
		for _, e := range b.Events {
			if e.Seq <= last || e.Type == "" || !json.Valid(e.Data) {
				t.Fatalf("accepted a bad event %+v after %d", e, last)
			}
			last = e.Seq
		}
	})
}

// A state is accepted only with a station name that is one subject token
// and a JSON object as the state, so the HQ can add its fields to it.
func FuzzDecodeState(f *testing.F) {
	f.Add([]byte(`{"station":"east","vehicle":1,"sent":"2026-12-06T12:00:00Z","state":{"id":1}}`))
	f.Add([]byte(`{"station":"ea.st","vehicle":1,"state":{}}`))
	f.Add([]byte(`{"station":"east","vehicle":1,"state":[1]}`))
	f.Add([]byte(`{"station":"east","vehicle":1,"state":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sm, err := decodeState(data)
		if err != nil {
			return
		}
		if CheckName("station", sm.Station) != nil {
			t.Fatalf("accepted station %q", sm.Station)
		}
		v := RemoteVehicle{Station: sm.Station, Key: VehicleKey(sm.Station, sm.Vehicle), State: sm.State, Stale: true}
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("an accepted state cannot be shown: %v", err)
		}
		var m map[string]any
		if err := json.Unmarshal(out, &m); err != nil || m["station"] != sm.Station || m["link_ok"] != false || m["stale"] != true {
			t.Fatalf("shown as %s", out)
		}
	})
}

// Only the vehicle routes of ForwardRoutes may be forwarded, whatever the
// path holds.
func FuzzForwardable(f *testing.F) {
	f.Add("POST", "/api/v1/vehicles/3/commands")
	f.Add("PUT", "/api/v1/vehicles/3/plan?format=qgc")
	f.Add("GET", "/api/v1/users")
	f.Add("POST", "/api/v1/vehicles/3/commands/../../users")
	f.Add("DELETE", "/api/v1/vehicles/3/signing")
	f.Fuzz(func(t *testing.T, method, path string) {
		if !forwardable(method, path) {
			return
		}
		p, _, _ := strings.Cut(path, "?")
		segs := strings.Split(p, "/")
		if len(segs) != 6 || segs[1] != "api" || segs[2] != "v1" || segs[3] != "vehicles" || segs[4] == "" || strings.Contains(segs[4], ".") && segs[4] == ".." {
			t.Fatalf("%s %s forwarded", method, path)
		}
		ok := method == "POST" && segs[5] == "commands" || (method == "PUT" || method == "GET") && segs[5] == "plan"
		if !ok {
			t.Fatalf("%s %s forwarded", method, path)
		}
	})
}
