package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/borderwatch/borderwatch/missions"
)

// Plan documents travel as the files operators know (.plan, QGC WPL 110,
// GeoJSON, KML, the legacy fence and rally lists) or, for the browser's plan
// editor, as the plan model itself (format "json": missions.Plan as JSON).
// The format is ?format=…, else the Content-Type, else what the content shows.

// formatModel names the plan model as JSON (missions.Plan), the browser's format.
const formatModel missions.Format = "json"

// planContentTypes maps the Content-Types a plan may be sent with to its
// format; "" means "look at the content" (application/json is a .plan, a
// GeoJSON file or, with ?format=json, the plan model).
var planContentTypes = map[string]missions.Format{
	"application/vnd.qgc.plan+json":         missions.FormatQGC,
	"application/geo+json":                  missions.FormatGeoJSON,
	"application/vnd.google-earth.kml+xml":  missions.FormatKML,
	"application/vnd.borderwatch.plan+json": formatModel,
	"application/json":                      "",
	"text/plain":                            "",
	"application/octet-stream":              "",
	"":                                      "",
}

// parsePlanFormat reads a format name given in a query.
func parsePlanFormat(name string) (missions.Format, error) {
	if name == string(formatModel) {
		return formatModel, nil
	}
	f, err := missions.ParseFormat(name)
	if err != nil {
		return "", fmt.Errorf("%v, or json (the plan model)", err)
	}
	return f, nil
}

// requestPlanFormat says which format a request's plan is in: ?format=,
// else its Content-Type; "" for "detect from the content".
func requestPlanFormat(r *http.Request) (missions.Format, error) {
	if q := r.URL.Query().Get("format"); q != "" {
		return parsePlanFormat(q)
	}
	ct := r.Header.Get("Content-Type")
	if ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil {
			return "", fmt.Errorf("Content-Type %q does not parse: %v", ct, err)
		}
		ct = mt
	}
	f, ok := planContentTypes[ct]
	if !ok {
		return "", fmt.Errorf("Content-Type %q is no plan format's: send application/json (.plan or GeoJSON), application/geo+json, application/vnd.google-earth.kml+xml or text/plain (QGC WPL, fence and rally lists), or name the format with ?format=", ct)
	}
	return f, nil
}

// readPlanRequest reads the body of a request as a plan in the format the
// request names. It answers the client itself and returns false on error.
func readPlanRequest(w http.ResponseWriter, r *http.Request) (*missions.Plan, bool) {
	f, err := requestPlanFormat(r)
	if err != nil {
		writeError(w, http.StatusUnsupportedMediaType, err.Error())
		return nil, false
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPlanBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("plan is larger than %d MiB", maxPlanBody>>20))
			return nil, false
		}
		writeError(w, http.StatusBadRequest, "reading the plan: "+err.Error())
		return nil, false
	}
	p, err := readPlanData(data, f)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return nil, false
	}
	return p, true
}

// readPlanData reads a plan file in format f ("" detects it).
func readPlanData(data []byte, f missions.Format) (*missions.Plan, error) {
	if f == formatModel {
		return readPlanModel(data)
	}
	if f == "" {
		var err error
		if f, err = missions.DetectFormat(data); err != nil {
			return nil, fmt.Errorf("not a plan file: %w", err)
		}
	}
	p, err := missions.ReadPlanData(data, f)
	if err != nil {
		return nil, fmt.Errorf("not a valid %s: %w", formatTitles[f], err)
	}
	return p, nil
}

// formatTitles name the formats in messages.
var formatTitles = map[missions.Format]string{
	missions.FormatQGC:       "QGroundControl .plan",
	missions.FormatWPL:       "QGC WPL 110 file",
	missions.FormatFenceList: "fence list",
	missions.FormatRallyList: "rally list",
	missions.FormatGeoJSON:   "GeoJSON plan",
	missions.FormatKML:       "KML plan",
}

// readPlanModel reads the plan model as JSON, strictly, and passes it
// through the .plan writer and reader, so that the model is held to every
// check a file is (positions on the Earth, fence shapes …) and whatever is
// accepted can be stored and read back.
func readPlanModel(data []byte) (*missions.Plan, error) {
	var p missions.Plan
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("not a plan model (format json): %v", err)
	}
	if dec.More() {
		return nil, errors.New("not a plan model (format json): data after the JSON object")
	}
	q, err := missions.PlanFromItems(p.Items(missions.TypeMission), p.Items(missions.TypeFence), p.Items(missions.TypeRally))
	if err != nil {
		return nil, fmt.Errorf("not a valid plan model: %w", err)
	}
	q.Home, q.Vehicle, q.Meta = p.Home, p.Vehicle, p.Meta
	file, err := missions.WriteQGCPlan(q)
	if err != nil {
		return nil, fmt.Errorf("not a valid plan model: %w", err)
	}
	r, err := missions.ReadQGCPlan(file)
	if err != nil {
		return nil, fmt.Errorf("not a valid plan model: %w", err)
	}
	return r, nil
}

// planFile is a plan written in one format, with what to call it.
type planFile struct {
	data        []byte
	contentType string
	ext         string
}

// writePlanFile writes p in format f; list picks the WPL file's list
// (mission, fence or rally; "" is the mission).
func writePlanFile(p *missions.Plan, f missions.Format, list string) (planFile, error) {
	switch f {
	case formatModel:
		b, err := json.MarshalIndent(p, "", "  ")
		return planFile{b, "application/json", ".json"}, err
	case missions.FormatWPL:
		t := missions.TypeMission
		switch list {
		case "", "mission":
		case "fence":
			t = missions.TypeFence
		case "rally":
			t = missions.TypeRally
		default:
			return planFile{}, fmt.Errorf("list %q: want mission, fence or rally (a QGC WPL file holds one list)", list)
		}
		b, err := missions.WriteWPL(p, t)
		ext := ".waypoints"
		if t != missions.TypeMission {
			ext = "." + t.String() + ".waypoints"
		}
		return planFile{b, "text/plain; charset=utf-8", ext}, err
	}
	b, err := missions.WritePlanData(p, f)
	if err != nil {
		return planFile{}, err
	}
	switch f {
	case missions.FormatQGC:
		return planFile{b, "application/json", ".plan"}, nil
	case missions.FormatGeoJSON:
		return planFile{b, "application/geo+json", ".geojson"}, nil
	case missions.FormatKML:
		return planFile{b, "application/vnd.google-earth.kml+xml", ".kml"}, nil
	case missions.FormatFenceList:
		return planFile{b, "text/plain; charset=utf-8", ".fence"}, nil
	case missions.FormatRallyList:
		return planFile{b, "text/plain; charset=utf-8", ".rally"}, nil
	}
	return planFile{}, fmt.Errorf("cannot write format %q", f)
}

// servePlanFile answers with p written in the format the request asks
// (?format=, default .plan; ?list= for WPL), as an attachment named base.
func servePlanFile(w http.ResponseWriter, r *http.Request, p *missions.Plan, base string) {
	f := missions.FormatQGC
	if q := r.URL.Query().Get("format"); q != "" {
		var err error
		if f, err = parsePlanFormat(q); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	answerPlanFile(w, r, p, f, base)
}

// answerPlanFile writes p in format f (?list= picks a WPL file's list) as
// an attachment named after base.
func answerPlanFile(w http.ResponseWriter, r *http.Request, p *missions.Plan, f missions.Format, base string) {
	out, err := writePlanFile(p, f, r.URL.Query().Get("list"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "writing the plan as "+string(f)+": "+err.Error())
		return
	}
	w.Header().Set("Content-Type", out.contentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": safeFileName(base) + out.ext}))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out.data)
}

// safeFileName keeps letters, digits, '-', '_' and '.' of a plan name for a
// download's file name.
func safeFileName(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
			b.WriteRune(c)
		case c == ' ':
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "plan"
	}
	return b.String()
}
