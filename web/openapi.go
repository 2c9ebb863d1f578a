package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3gen"

	"github.com/borderwatch/borderwatch/federation"
	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/missions/planner"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
)

// The OpenAPI 3 document at /api/v1/openapi.json is built from the route
// table (every route, its method and its permission, as x-permission) and
// from routeDocs (what each route takes and answers, by Go type: the schemas
// are generated from the very types the handlers encode). A test checks
// that the table and routeDocs agree both ways and validates real answers
// against the document.

// routeDoc describes one route for the document.
type routeDoc struct {
	summary string
	// body is a value of the request body's Go type (JSON), or nil.
	body any
	// bodyFile names the file formats a file body may be in (a plan, a
	// layer); "" for none.
	bodyFile string
	// status and answer: the success status and a value of its JSON body's
	// type (nil: any JSON). file is the media type of a file answer instead.
	status int
	answer any
	file   string
}

// docAny is "any JSON value": answers whose shape another package owns
// (a GeoJSON FeatureCollection) or that are not yet described by type.
type docAny struct{}

func routeDocs() map[string]routeDoc {
	ok := http.StatusOK
	return map[string]routeDoc{
		"GET /healthz":                {summary: "liveness", status: ok, answer: map[string]string{}},
		"GET /readyz":                 {summary: "readiness: the store answers and every MAVLink link is open (503 names what is not)", status: ok, answer: ReadyAnswer{}},
		"POST /api/v1/session":        {summary: "log in; sets the session cookie", body: LoginRequest{}, status: ok, answer: SessionInfo{}},
		"GET /api/v1/session":         {summary: "who is logged in", status: ok, answer: SessionInfo{}},
		"DELETE /api/v1/session":      {summary: "log out", status: ok, answer: docAny{}},
		"GET /api/v1/users":           {summary: "list users", status: ok, answer: docAny{}},
		"POST /api/v1/users":          {summary: "add a user", status: http.StatusCreated, answer: docAny{}},
		"GET /api/v1/users/{name}":    {summary: "one user", status: ok, answer: docAny{}},
		"PATCH /api/v1/users/{name}":  {summary: "change a user's role or password", status: ok, answer: docAny{}},
		"DELETE /api/v1/users/{name}": {summary: "remove a user", status: ok, answer: docAny{}},
		"GET /api/v1/tokens":          {summary: "list tokens (never the tokens themselves)", status: ok, answer: docAny{}},
		"POST /api/v1/tokens":         {summary: "create a token; the only time it is shown", body: TokenRequest{}, status: http.StatusCreated, answer: docAny{}},
		"DELETE /api/v1/tokens/{id}":  {summary: "revoke a token", status: ok, answer: docAny{}},

		"GET /api/v1/vehicles":                    {summary: "every vehicle heard", status: ok, answer: []gcs.VehicleState{}},
		"GET /api/v1/vehicles/{id}":               {summary: "one vehicle", status: ok, answer: gcs.VehicleState{}},
		"POST /api/v1/vehicles/{id}/commands":     {summary: "run a command; answers the vehicle's result", body: CommandRequest{}, status: ok, answer: CommandResponse{}},
		"GET /api/v1/vehicles/{id}/modes":         {summary: "the flight modes the vehicle's autopilot knows", status: ok, answer: gcs.VehicleModes{}},
		"POST /api/v1/commands":                   {summary: "run a command on several vehicles", body: CommandRequest{}, status: ok, answer: FleetCommandResponse{}},
		"GET /api/v1/vehicles/{id}/params":        {summary: "the vehicle's parameters (cached, or ?refresh=1)", status: ok, answer: ParamsResponse{}},
		"GET /api/v1/vehicles/{id}/params/{name}": {summary: "one parameter read from the vehicle", status: ok, answer: gcs.Param{}},
		"PUT /api/v1/vehicles/{id}/params/{name}": {summary: "set a parameter", status: ok, answer: ParamSetResponse{}},
		"PUT /api/v1/vehicles/{id}/plan":          {summary: "upload a plan in any format (409 warnings to confirm with ?confirm=1, 422 problems)", bodyFile: "plan", status: ok, answer: PlanUploadResponse{}},
		"GET /api/v1/vehicles/{id}/plan":          {summary: "download the vehicle's plan as a file (?format=)", status: ok, file: "application/octet-stream"},
		"GET /api/v1/vehicles/{id}/link":          {summary: "the vehicle's link statistics", status: ok, answer: VehicleLinkResponse{}},
		"GET /api/v1/links":                       {summary: "every MAVLink link's counters", status: ok, answer: []gcs.LinkStats{}},
		"GET /api/v1/networks":                    {summary: "every MAVLink network: name, number, links, vehicles heard now and recorded", status: ok, answer: []telemetry.Network{}},
		"PUT /api/v1/vehicles/{id}/signing":       {summary: "provision MAVLink 2 signing", status: ok, answer: docAny{}},
		"DELETE /api/v1/vehicles/{id}/signing":    {summary: "stop signing", status: ok, answer: docAny{}},

		"GET /api/v1/layers":          {summary: "the GIS layers", status: ok, answer: []layerSummary{}},
		"GET /api/v1/basemap":         {summary: "the offline basemap: whether there is one, its area and zooms", status: ok, answer: basemapInfo{}},
		"GET /api/v1/basemap.pmtiles": {summary: "the basemap as a PMTiles v3 archive; read it with HTTP range requests (206)", status: ok, file: "application/vnd.pmtiles"},
		"GET /api/v1/layers/{id}":     {summary: "one layer as a GeoJSON FeatureCollection", status: ok, answer: docAny{}},
		"POST /api/v1/layers":         {summary: "import a GeoJSON or KML layer (?kind=&name=)", bodyFile: "layer", status: http.StatusCreated, answer: layerSummary{}},
		"PATCH /api/v1/layers/{id}":   {summary: "rename an imported layer", body: LayerRename{}, status: ok, answer: layerSummary{}},
		"DELETE /api/v1/layers/{id}":  {summary: "delete an imported layer", status: ok, answer: layerSummary{}},

		"GET /api/v1/plans":                {summary: "the plan library: every plan's latest version", status: ok, answer: []store.PlanSummary{}},
		"POST /api/v1/plans":               {summary: "import a plan file as a new plan (?name=)", bodyFile: "plan", status: http.StatusCreated, answer: PlanSaved{}},
		"POST /api/v1/plans/validate":      {summary: "validate a plan, spatial checks and border rule included", bodyFile: "plan", status: ok, answer: PlanValidation{}},
		"POST /api/v1/plans/convert":       {summary: "convert a plan between formats (?to=)", bodyFile: "plan", status: ok, file: "application/octet-stream"},
		"GET /api/v1/plans/{name}":         {summary: "one version of a plan as the plan model, with its history", status: ok, answer: PlanDetail{}},
		"PUT /api/v1/plans/{name}":         {summary: "save a new version (?merge=1 adds the file's lists)", bodyFile: "plan", status: ok, answer: PlanSaved{}},
		"DELETE /api/v1/plans/{name}":      {summary: "delete a plan", status: ok, answer: PlanDeleted{}},
		"GET /api/v1/plans/{name}/export":  {summary: "a version as a file (?format=&version=&list=)", status: ok, file: "application/octet-stream"},
		"GET /api/v1/plans/{name}/uploads": {summary: "which versions went to which vehicles, by whom", status: ok, answer: []store.PlanUpload{}},
		"POST /api/v1/plans/{name}/upload": {summary: "upload a library version to a vehicle", body: PlanLibraryUpload{}, status: ok, answer: PlanUploadResponse{}},
		"POST /api/v1/routes/corridor":     {summary: "plan a border corridor patrol", body: planner.CorridorRequest{}, status: ok, answer: planner.CorridorResult{}},
		"POST /api/v1/routes/fence":        {summary: "generate a fence from the border", body: planner.FenceRequest{}, status: ok, answer: planner.FenceResult{}},
		"POST /api/v1/routes/transit":      {summary: "a transit route round no-fly zones", body: planner.TransitRequest{}, status: ok, answer: planner.TransitResult{}},
		"POST /api/v1/dispatch/propose":    {summary: "propose the nearest drone that can get to a point and back", body: DispatchRequest{}, status: ok, answer: planner.DispatchProposal{}},
		"POST /api/v1/dispatch":            {summary: "send a drone along the route to hold at a point", body: DispatchRequest{}, status: ok, answer: DispatchSent{}},

		"GET /api/v1/sorties":               {summary: "sorties, newest first", status: ok, answer: []store.Sortie{}},
		"GET /api/v1/sorties/{id}":          {summary: "one sortie", status: ok, answer: store.Sortie{}},
		"GET /api/v1/sorties/{id}/export":   {summary: "a sortie as a file (?format=)", status: ok, file: "application/octet-stream"},
		"GET /api/v1/sorties/{id}/timeline": {summary: "a sortie's timeline markers (?fleet=1)", status: ok, answer: TimelineResponse{}},
		"GET /api/v1/sorties/{id}/series":   {summary: "altitude, speed, battery and link loss over the whole sortie, min/max-downsampled (?points=&vehicle=&fleet=1)", status: ok, answer: store.SeriesResult{}},
		"GET /api/v1/sorties/{id}/plans":    {summary: "the plan each vehicle of the sortie was flying (?fleet=1)", status: ok, answer: []FlownPlan{}},
		"GET /api/v1/evidence":              {summary: "the evidence package (zip) of a time window (?from=&to=[&vehicle=][&stream=])", status: ok, file: "application/zip"},
		"GET /api/v1/verify":                {summary: "the store's evidence chain checked (problems name the records changed)", status: ok, answer: store.ChainReport{}},
		"GET /api/v1/backup":                {summary: "a consistent copy of the store", status: ok, file: "application/octet-stream"},
		"GET /api/v1/backup/hqview":         {summary: "headquarters: a consistent copy of its view file (<data>.hqview)", status: ok, file: "application/octet-stream"},
		"GET /api/v1/detections":            {summary: "detections since a time", status: ok, answer: []telemetry.Detection{}},
		"GET /api/v1/alerts":                {summary: "alerts since a time, open or acknowledged", status: ok, answer: []AlertEntry{}},
		"POST /api/v1/alerts/{id}/ack":      {summary: "acknowledge an alert", body: AlertAckRequest{}, status: ok, answer: store.AlertAck{}},
		"GET /api/v1/audit":                 {summary: "the audit trail", status: ok, answer: []telemetry.OperatorAction{}},
		"GET /api/v1/tak/markers":           {summary: "markers TAK clients sent", status: ok, answer: docAny{}},
		"GET /api/v1/openapi.json":          {summary: "this document", status: ok, answer: docAny{}},

		"GET /api/v1/federation/stations":                                   {summary: "headquarters: the stations heard, with their last event and staleness", status: ok, answer: []federation.StationStatus{}},
		"GET /api/v1/federation/vehicles":                                   {summary: "headquarters: every station's vehicles (station, key STATION/ID, stale)", status: ok, answer: docAny{}},
		"GET /api/v1/federation/alerts":                                     {summary: "headquarters: every station's newest alerts", status: ok, answer: docAny{}},
		"GET /api/v1/federation/detections":                                 {summary: "headquarters: every station's newest detections", status: ok, answer: docAny{}},
		"GET /api/v1/federation/sorties":                                    {summary: "headquarters: every station's sorties (latest summary of each)", status: ok, answer: docAny{}},
		"POST /api/v1/federation/stations/{station}/vehicles/{id}/commands": {summary: "headquarters: a command run by the station (its answer as it gave it)", body: CommandRequest{}, status: ok, answer: CommandResponse{}},
		"PUT /api/v1/federation/stations/{station}/vehicles/{id}/plan":      {summary: "headquarters: a plan upload run by the station", bodyFile: "plan", status: ok, answer: PlanUploadResponse{}},
		"GET /api/v1/federation/stations/{station}/vehicles/{id}/plan":      {summary: "headquarters: a plan download from the station's vehicle", status: ok, file: "application/octet-stream"},
		"GET /api/v1/federation/stations/{station}/vehicles/{id}/modes":     {summary: "headquarters: the modes a station's vehicle may be set to (from its autopilot and type)", status: ok, answer: gcs.VehicleModes{}},

		"GET /ws/live":       {summary: "WebSocket: live vehicles, events and upload progress (docs/api.md)", status: http.StatusSwitchingProtocols},
		"GET /ws/replay":     {summary: "WebSocket: replay of a sortie or window (docs/api.md)", status: http.StatusSwitchingProtocols},
		"GET /ws/federation": {summary: "WebSocket: headquarters: every station's vehicles (with stale transitions), new alerts and detections (docs/api.md)", status: http.StatusSwitchingProtocols},
		"GET /metrics":       {summary: "Prometheus metrics", status: ok, file: "text/plain"},
	}
}

var (
	openAPIOnce sync.Once
	openAPIJSON []byte
	openAPIErr  error
)

// handleOpenAPI serves the document, built once.
func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	openAPIOnce.Do(func() {
		var doc *openapi3.T
		if doc, openAPIErr = s.openAPIDocument(); openAPIErr == nil {
			openAPIJSON, openAPIErr = json.Marshal(doc)
		}
	})
	if openAPIErr != nil {
		writeError(w, http.StatusInternalServerError, "building the OpenAPI document: "+openAPIErr.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(openAPIJSON)
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// openAPIDocument builds the document from the route table and routeDocs;
// a route of the table without a doc (or the reverse) is an error.
func (s *Server) openAPIDocument() (*openapi3.T, error) {
	doc := &openapi3.T{
		OpenAPI: "3.0.3",
		Info:    &openapi3.Info{Title: "Borderwatch", Version: "1", Description: "Ground station for border-patrol drones. Each operation's x-permission is the permission it needs (docs/api.md)."},
		Paths:   openapi3.NewPaths(),
		Components: &openapi3.Components{
			Schemas: openapi3.Schemas{},
			SecuritySchemes: openapi3.SecuritySchemes{
				"bearer":  {Value: openapi3.NewSecurityScheme().WithType("http").WithScheme("bearer")},
				"session": {Value: openapi3.NewSecurityScheme().WithType("apiKey").WithIn("cookie").WithName("bw_session")},
			},
		},
	}
	errSchema, err := schemaOf(apiError{}, doc.Components.Schemas)
	if err != nil {
		return nil, err
	}
	docs := routeDocs()
	used := map[string]bool{}
	for _, rt := range s.routeTable() {
		method, path, ok := strings.Cut(rt.pattern, " ")
		if !ok {
			continue // the catch-alls ("/api/", "/"): not operations
		}
		d, ok := docs[rt.pattern]
		if !ok {
			return nil, fmt.Errorf("route %q has no entry in routeDocs", rt.pattern)
		}
		used[rt.pattern] = true
		op := openapi3.NewOperation()
		op.Summary = d.summary
		op.OperationID = operationID(rt.pattern)
		op.Extensions = map[string]any{"x-permission": string(rt.perm)}
		if rt.perm != PermPublic {
			op.Security = &openapi3.SecurityRequirements{{"bearer": {}}, {"session": {}}}
		}
		for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
			op.AddParameter(openapi3.NewPathParameter(m[1]).WithSchema(openapi3.NewStringSchema()))
		}
		switch {
		case d.body != nil:
			sch, err := schemaOf(d.body, doc.Components.Schemas)
			if err != nil {
				return nil, fmt.Errorf("%s body: %w", rt.pattern, err)
			}
			op.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(true).WithJSONSchemaRef(sch)}
		case d.bodyFile != "":
			types := rt.bodyTypes
			content := openapi3.Content{}
			for _, t := range types {
				content[t] = openapi3.NewMediaType().WithSchema(openapi3.NewSchema())
			}
			op.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(true).
				WithDescription("a " + d.bodyFile + " file; its format by ?format=, the Content-Type or its content").WithContent(content)}
		}
		resp := openapi3.NewResponse().WithDescription(d.summary)
		switch {
		case d.file != "":
			resp.WithContent(openapi3.Content{d.file: openapi3.NewMediaType().WithSchema(openapi3.NewSchema())})
		case d.answer != nil:
			sch, err := schemaOf(d.answer, doc.Components.Schemas)
			if err != nil {
				return nil, fmt.Errorf("%s answer: %w", rt.pattern, err)
			}
			resp.WithJSONSchemaRef(sch)
		}
		op.Responses = openapi3.NewResponses(openapi3.WithStatus(d.status, &openapi3.ResponseRef{Value: resp}))
		op.Responses.Set("default", &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription("an error: {\"error\": what went wrong}").WithJSONSchemaRef(errSchema)})
		doc.AddOperation(path, method, op)
	}
	var unused []string
	for p := range docs {
		if !used[p] {
			unused = append(unused, p)
		}
	}
	if len(unused) > 0 {
		sort.Strings(unused)
		return nil, fmt.Errorf("routeDocs describe routes the table does not have: %s", strings.Join(unused, ", "))
	}
	return doc, nil
}

func operationID(pattern string) string {
	r := strings.NewReplacer(" ", "_", "/", "_", "{", "", "}", "", ".", "_", "-", "_")
	return strings.Trim(r.Replace(pattern), "_")
}

var (
	rawJSONType = reflect.TypeOf(json.RawMessage{})
	anyDocType  = reflect.TypeOf(docAny{})
	itemType    = reflect.TypeOf(missions.Item{})
	posType     = reflect.TypeOf(missions.Position{})
)

// schemaOf generates the schema of v's type. Fields without omitempty are
// required; types that marshal themselves are described as they marshal.
func schemaOf(v any, schemas openapi3.Schemas) (*openapi3.SchemaRef, error) {
	if _, ok := v.(docAny); ok {
		return openapi3.NewSchemaRef("", openapi3.NewSchema()), nil
	}
	return openapi3gen.NewSchemaRefForValue(v, schemas, openapi3gen.SchemaCustomizer(customizeSchema))
}

var nullFloatType = reflect.TypeOf(store.NullFloat(0))

func customizeSchema(name string, t reflect.Type, tag reflect.StructTag, schema *openapi3.Schema) error {
	switch t {
	case rawJSONType, anyDocType:
		*schema = openapi3.Schema{} // any JSON
		return nil
	case itemType:
		// Item marshals unused params (NaN) as null.
		if p := schema.Properties["params"]; p != nil && p.Value != nil && p.Value.Items != nil && p.Value.Items.Value != nil {
			p.Value.Items.Value.Nullable = true
		}
	case posType:
		if a := schema.Properties["alt_m"]; a != nil && a.Value != nil {
			a.Value.Nullable = true // unknown altitude: null
		}
	case nullFloatType:
		schema.Nullable = true // a series value the vehicle did not report: null
	}
	if t.Kind() == reflect.Slice || t.Kind() == reflect.Map || t.Kind() == reflect.Pointer {
		schema.Nullable = true // nil encodes as null
	}
	if t.Kind() == reflect.Struct && schema.Properties != nil {
		schema.Required = requiredFields(t)
	}
	return nil
}

// requiredFields lists the JSON names of t's fields that are always
// written (a json tag without omitempty or omitzero), embedded structs'
// included.
func requiredFields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag, hasTag := f.Tag.Lookup("json")
		if f.Anonymous && !hasTag {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				continue // an embedded pointer may be nil: none of its fields is sure
			}
			if ft.Kind() == reflect.Struct {
				out = append(out, requiredFields(ft)...)
			}
			continue
		}
		if !hasTag || !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" || strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero") {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, name)
	}
	return out
}
