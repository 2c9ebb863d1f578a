package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/web/auth/authtest"
)

// fetchOpenAPI reads the server's document and checks it is valid OpenAPI 3.
func fetchOpenAPI(t *testing.T, s *Server) *openapi3.T {
	t.Helper()
	code, body := send(t, "GET", s.URL()+"/api/v1/openapi.json", "", nil)
	if code != 200 {
		t.Fatalf("openapi.json: %d %s", code, body)
	}
	doc, err := openapi3.NewLoader().LoadFromData(body)
	if err != nil {
		t.Fatalf("the document does not load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the document is not valid OpenAPI 3: %v", err)
	}
	return doc
}

// Every route of the table is in the document with its permission, and
// every operation of the document is a route of the table.
func TestOpenAPI_RoutesAndDocumentAgreeBothWays(t *testing.T) {
	s := newRecordingServer(t, &telemetry.Hub{}, nil, nil)
	doc := fetchOpenAPI(t, s)
	table := map[string]Permission{}
	for _, rt := range s.routeTable() {
		method, path, ok := strings.Cut(rt.pattern, " ")
		if !ok {
			continue
		}
		table[rt.pattern] = rt.perm
		item := doc.Paths.Value(path)
		if item == nil || item.GetOperation(method) == nil {
			t.Errorf("route %s is not in the document", rt.pattern)
			continue
		}
		if got := item.GetOperation(method).Extensions["x-permission"]; got != string(rt.perm) {
			t.Errorf("route %s: document says permission %v, table %s", rt.pattern, got, rt.perm)
		}
	}
	n := 0
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			n++
			if _, ok := table[method+" "+path]; !ok {
				t.Errorf("the document describes %s %s, which the route table does not have", method, path)
			}
		}
	}
	if n != len(table) || n < 50 {
		t.Fatalf("%d operations in the document, %d routes in the table", n, len(table))
	}
}

// Real answers of a test server (a real store, real layers, a real hub)
// match the document's schemas, success and error alike.
func TestOpenAPI_RealAnswersMatchTheSchemas(t *testing.T) {
	s := demoLayerServer(t)
	doc := fetchOpenAPI(t, s)
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	hub := s.Hub
	hub.Publish(telemetry.Alert{EventHeader: telemetry.Header(time.Now().UTC(), 2), Type: telemetry.AlertLowBattery, Severity: telemetry.SeverityCritical, Text: "battery 9%"})
	hub.Publish(telemetry.Detection{EventHeader: telemetry.Header(time.Now().UTC(), 2), TrackID: 4, Class: "person", ConfidencePct: 80, Lat: 31.36, Lon: -110.95})
	testenv.Eventually(t, 5*time.Second, "alert stored", func() bool {
		_, body := send(t, "GET", s.URL()+"/api/v1/alerts", "", nil)
		return strings.Contains(string(body), "battery 9%")
	})
	model := modelJSON(t, planNearHome())
	calls := []struct {
		method, path, ctype string
		body                []byte
		want                int
	}{
		{"GET", "/healthz", "", nil, 200},
		{"GET", "/api/v1/session", "", nil, 200},
		{"GET", "/api/v1/vehicles", "", nil, 200},
		{"GET", "/api/v1/vehicles/9", "", nil, 404},
		{"GET", "/api/v1/links", "", nil, 200},
		{"GET", "/api/v1/networks", "", nil, 200},
		{"GET", "/api/v1/layers", "", nil, 200},
		{"GET", "/api/v1/layers/zone", "", nil, 200},
		{"PATCH", "/api/v1/layers/demo-border", "application/json", []byte(`{"name":"x"}`), 409},
		{"POST", "/api/v1/plans?name=square&format=json", "application/json", model, 201},
		{"PUT", "/api/v1/plans/square?format=json&comment=again", "application/json", model, 200},
		{"GET", "/api/v1/plans", "", nil, 200},
		{"GET", "/api/v1/plans/square", "", nil, 200},
		{"GET", "/api/v1/plans/square/uploads", "", nil, 200},
		{"POST", "/api/v1/plans/validate?format=json&min_border_m=3000", "application/json", model, 200},
		{"POST", "/api/v1/plans/square/upload", "application/json", []byte(`{"vehicle": 9}`), 404},
		{"POST", "/api/v1/routes/transit", "application/json", []byte(`{"from": {"lat": 31.36, "lon": -110.99}, "to": {"lat": 31.36, "lon": -110.91}, "no_fly_layers": ["zone"]}`), 200},
		{"POST", "/api/v1/routes/fence", "application/json", []byte(`{"border_layer": "demo-border", "side": "left"}`), 200},
		{"POST", "/api/v1/routes/corridor", "application/json", []byte(`{"border_layer": "demo-border", "side": "left", "drones": 3, "vehicle_type": "plane", "from": {"lat": 31.33, "lon": -111.05}, "to": {"lat": 31.33, "lon": -110.80}}`), 200},
		{"POST", "/api/v1/dispatch/propose", "application/json", []byte(`{"lat": 31.36, "lon": -110.95}`), 422},
		{"GET", "/api/v1/alerts?since=1h", "", nil, 200},
		{"GET", "/api/v1/detections?since=1h", "", nil, 200},
		{"GET", "/api/v1/sorties", "", nil, 200},
		{"GET", "/api/v1/audit?limit=20", "", nil, 200},
		{"GET", "/api/v1/verify", "", nil, 200},
		{"GET", "/api/v1/sorties/1/series", "", nil, 404},
		{"DELETE", "/api/v1/plans/square", "", nil, 200},
	}
	c := authtest.Client(adminToken(t, s))
	for _, call := range calls {
		req, err := http.NewRequest(call.method, s.URL()+call.path, bytes.NewReader(call.body))
		if err != nil {
			t.Fatal(err)
		}
		if call.ctype != "" {
			req.Header.Set("Content-Type", call.ctype)
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != call.want {
			t.Fatalf("%s %s: %d %.300s, want %d", call.method, call.path, res.StatusCode, body, call.want)
		}
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Fatalf("%s %s: not in the document: %v", call.method, call.path, err)
		}
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
				Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
			Status: res.StatusCode, Header: res.Header, Body: io.NopCloser(bytes.NewReader(body)),
			Options: &openapi3filter.Options{IncludeResponseStatus: false, MultiError: true},
		}
		if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
			var pretty bytes.Buffer
			_ = json.Indent(&pretty, body, "", " ")
			t.Errorf("%s %s: the answer does not match the document: %v\n%.2000s", call.method, call.path, err, pretty.String())
		}
	}
}
