package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzVehicleAPI_Bodies sends arbitrary request bodies to every vehicle
// endpoint that reads one. Whatever the body, the server must answer (never
// panic), with a client error or a result and always a JSON body; it never
// blames itself (5xx) for a client's bytes. The fleet is real and has no
// vehicle, so a well-formed request ends in "no such vehicle".
func FuzzVehicleAPI_Bodies(f *testing.F) {
	for _, seed := range []string{
		`{"command":"arm"}`,
		`{"command":"goto","lat":31.35,"lon":-110.95,"alt_m":120}`,
		`{"command":"takeoff","alt_m":-1e308}`,
		`{"command":"mode","mode":"AUTO_MISSION","vehicles":[1,2,3]}`,
		`{"command":"message_interval","message_id":33,"hz":1e9}`,
		`{"value":1}`,
		`{"key_hex":"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"}`,
		`{"fileType":"Plan","version":1,"mission":{"version":2,"items":[]}}`,
		`{"command":"arm"}{"command":"disarm"}`,
		``, `null`, `[]`, `{"unknown":1}`,
	} {
		for ep := 0; ep < 5; ep++ {
			f.Add(uint8(ep), []byte(seed))
		}
	}
	s, _ := newTestServer(f)
	h := s.srv.Handler
	tok := adminToken(f, s)
	endpoints := []struct{ method, path string }{
		{http.MethodPost, "/api/v1/vehicles/7/commands"},
		{http.MethodPost, "/api/v1/commands"},
		{http.MethodPut, "/api/v1/vehicles/7/params/FENCE_ENABLE"},
		{http.MethodPut, "/api/v1/vehicles/7/signing"},
		{http.MethodPut, "/api/v1/vehicles/7/plan"},
	}
	f.Fuzz(func(t *testing.T, ep uint8, body []byte) {
		e := endpoints[int(ep)%len(endpoints)]
		req := httptest.NewRequest(e.method, e.path, bytes.NewReader(body))
		req.Host = "127.0.0.1"
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 && rec.Code != http.StatusGatewayTimeout {
			t.Fatalf("%s %s with %q: status %d: %s", e.method, e.path, body, rec.Code, rec.Body.Bytes())
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s %s with %q: answer is not JSON: %q", e.method, e.path, body, rec.Body.Bytes())
		}
	})
}
