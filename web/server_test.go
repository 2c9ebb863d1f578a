package web

import (
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// One vehicle's NaN once made GET /api/v1/vehicles answer 200 with an empty
// body for the whole fleet (issue 12): the encoder's error was ignored after
// the status had been sent. An answer that cannot be encoded is now a 500
// that says why, and a good one is unchanged.
func TestWriteJSON_Unencodable_500WithReason(t *testing.T) {
	rec := httptest.NewRecorder()
	writeJSON(rec, http.StatusOK, map[string]float64{"roll_deg": math.NaN()})
	var e apiError
	if rec.Code != http.StatusInternalServerError || json.Unmarshal(rec.Body.Bytes(), &e) != nil || !strings.Contains(e.Error, "could not be encoded") {
		t.Fatalf("status %d body %q", rec.Code, rec.Body.String())
	}
	rec = httptest.NewRecorder()
	writeJSON(rec, http.StatusCreated, map[string]int{"id": 7})
	var ok map[string]int
	if rec.Code != http.StatusCreated || json.Unmarshal(rec.Body.Bytes(), &ok) != nil || ok["id"] != 7 || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("status %d body %q", rec.Code, rec.Body.String())
	}
}
