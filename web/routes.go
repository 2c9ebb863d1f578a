package web

import (
	"github.com/borderwatch/borderwatch/federation"
	"net/http"

	"github.com/borderwatch/borderwatch/web/auth"
)

// Permission is one kind of thing a user may do. Every route needs exactly
// one; a role is a set of permissions (web/auth/roles.go). Only PermPublic
// routes are reachable without logging in.
type Permission = auth.Permission

// The permissions, from web/auth (see there for what each allows).
const (
	PermPublic  = auth.PermPublic
	PermWatch   = auth.PermWatch
	PermPlan    = auth.PermPlan
	PermCommand = auth.PermCommand
	PermReplay  = auth.PermReplay
	PermAudit   = auth.PermAudit
	PermAdmin   = auth.PermAdmin
)

// route is one row of the route table: who may call which handler, and
// what request bodies it takes.
type route struct {
	// pattern is an http.ServeMux pattern with its method ("GET /api/v1/vehicles").
	pattern string
	perm    Permission
	handler http.Handler
	// stream marks a long-lived answer (WebSocket, large download) that the
	// server's write timeout must not cut; it bounds its own writes instead.
	stream bool
	// (optional) bodyTypes are the media types a request body may have.
	// Defaults to application/json only: a browser can send text/plain or a
	// form cross-site without a CORS preflight, so refusing them is part of
	// the CSRF defence (415 Unsupported Media Type).
	bodyTypes []string
	// (optional) maxBody bounds the request body (413 beyond it). Defaults
	// to defaultMaxBody.
	maxBody int64
}

// defaultMaxBody bounds request bodies of routes that do not say otherwise.
const defaultMaxBody = 1 << 20

// planBodyTypes: every plan format (web/plan_files.go); QGC WPL lists are
// text/plain, and a plan may come untyped with ?format= naming its format
// (""): only cross-origin protection keeps those from other sites.
var planBodyTypes = []string{"application/json", "application/vnd.qgc.plan+json", "application/geo+json",
	"application/vnd.google-earth.kml+xml", "application/vnd.borderwatch.plan+json", "text/plain", "application/octet-stream", ""}

// layerBodyTypes: GeoJSON or KML.
var layerBodyTypes = []string{"application/json", "application/geo+json", "application/vnd.google-earth.kml+xml", "application/xml", "text/xml"}

// routeTable is every route the server serves, the one place that says who
// may call what. routes() builds the mux from it, and a test walks the mux
// to make sure no route is registered outside it.
func (s *Server) routeTable() []route {
	h := func(pattern string, perm Permission, fn http.HandlerFunc) route {
		return route{pattern: pattern, perm: perm, handler: fn}
	}
	return []route{
		h("GET /healthz", PermPublic, s.handleHealth),
		h("GET /readyz", PermPublic, s.handleReady),

		// Accounts (web/session.go, web/users.go).
		h("POST /api/v1/session", PermPublic, s.handleLogin),
		h("GET /api/v1/session", PermPublic, s.handleWhoAmI),
		h("DELETE /api/v1/session", PermPublic, s.handleLogout),
		h("GET /api/v1/users", PermAdmin, s.handleUsers),
		h("POST /api/v1/users", PermAdmin, s.handleUserAdd),
		h("GET /api/v1/users/{name}", PermAdmin, s.handleUser),
		h("PATCH /api/v1/users/{name}", PermAdmin, s.handleUserChange),
		h("DELETE /api/v1/users/{name}", PermAdmin, s.handleUserRemove),
		h("GET /api/v1/tokens", PermAdmin, s.handleTokens),
		h("POST /api/v1/tokens", PermAdmin, s.handleTokenCreate),
		h("DELETE /api/v1/tokens/{id}", PermAdmin, s.handleTokenRevoke),

		h("GET /api/v1/vehicles", PermWatch, s.handleVehicles),
		h("GET /api/v1/vehicles/{id}", PermWatch, s.handleVehicle),
		h("POST /api/v1/vehicles/{id}/commands", PermCommand, s.handleVehicleCommand),
		h("GET /api/v1/vehicles/{id}/modes", PermWatch, s.handleVehicleModes),
		h("POST /api/v1/commands", PermCommand, s.handleFleetCommand),
		h("GET /api/v1/vehicles/{id}/params", PermWatch, s.handleVehicleParams),
		h("GET /api/v1/vehicles/{id}/params/{name}", PermWatch, s.handleVehicleParam),
		h("PUT /api/v1/vehicles/{id}/params/{name}", PermCommand, s.handleVehicleParamSet),
		{pattern: "PUT /api/v1/vehicles/{id}/plan", perm: PermCommand, handler: http.HandlerFunc(s.handleVehiclePlanPut), bodyTypes: planBodyTypes, maxBody: maxPlanBody},
		h("GET /api/v1/vehicles/{id}/plan", PermWatch, s.handleVehiclePlanGet),
		h("GET /api/v1/vehicles/{id}/link", PermWatch, s.handleVehicleLink),
		h("GET /api/v1/links", PermWatch, s.handleLinks),
		h("GET /api/v1/networks", PermWatch, s.handleNetworks),
		h("PUT /api/v1/vehicles/{id}/signing", PermAdmin, s.handleVehicleSigningPut),
		h("DELETE /api/v1/vehicles/{id}/signing", PermAdmin, s.handleVehicleSigningDelete),

		h("GET /api/v1/layers", PermWatch, s.handleLayers),
		// The offline basemap (web/basemap.go): its description, then the
		// PMTiles archive by range requests.
		h("GET /api/v1/basemap", PermWatch, s.handleBasemapInfo),
		h("GET /api/v1/basemap.pmtiles", PermWatch, s.handleBasemap),
		h("GET /api/v1/layers/{id}", PermWatch, s.handleLayer),
		{pattern: "POST /api/v1/layers", perm: PermAdmin, handler: http.HandlerFunc(s.handleLayerImport), bodyTypes: layerBodyTypes, maxBody: maxPlanBody},
		h("PATCH /api/v1/layers/{id}", PermAdmin, s.handleLayerRename),
		h("DELETE /api/v1/layers/{id}", PermAdmin, s.handleLayerDelete),

		h("GET /api/v1/plans", PermWatch, s.handlePlans),
		{pattern: "POST /api/v1/plans", perm: PermPlan, handler: http.HandlerFunc(s.handlePlanCreate), bodyTypes: planBodyTypes, maxBody: maxPlanBody},
		{pattern: "POST /api/v1/plans/validate", perm: PermPlan, handler: http.HandlerFunc(s.handlePlanValidate), bodyTypes: planBodyTypes, maxBody: maxPlanBody},
		{pattern: "POST /api/v1/plans/convert", perm: PermPlan, handler: http.HandlerFunc(s.handlePlanConvert), bodyTypes: planBodyTypes, maxBody: maxPlanBody},
		h("GET /api/v1/plans/{name}", PermWatch, s.handlePlan),
		{pattern: "PUT /api/v1/plans/{name}", perm: PermPlan, handler: http.HandlerFunc(s.handlePlanUpdate), bodyTypes: planBodyTypes, maxBody: maxPlanBody},
		h("DELETE /api/v1/plans/{name}", PermPlan, s.handlePlanDelete),
		h("GET /api/v1/plans/{name}/export", PermWatch, s.handlePlanExport),
		h("GET /api/v1/plans/{name}/uploads", PermWatch, s.handlePlanUploads),
		h("POST /api/v1/plans/{name}/upload", PermCommand, s.handlePlanLibraryUpload),

		h("POST /api/v1/routes/corridor", PermPlan, s.handleRouteCorridor),
		h("POST /api/v1/routes/fence", PermPlan, s.handleRouteFence),
		h("POST /api/v1/routes/transit", PermPlan, s.handleRouteTransit),

		h("POST /api/v1/dispatch/propose", PermCommand, s.handleDispatchPropose),
		h("POST /api/v1/dispatch", PermCommand, s.handleDispatch),

		h("GET /api/v1/sorties", PermReplay, s.handleSorties),
		h("GET /api/v1/sorties/{id}", PermReplay, s.handleSortie),
		{pattern: "GET /api/v1/sorties/{id}/export", perm: PermReplay, handler: http.HandlerFunc(s.handleSortieExport), stream: true},
		h("GET /api/v1/sorties/{id}/timeline", PermReplay, s.handleSortieTimeline),
		h("GET /api/v1/sorties/{id}/series", PermReplay, s.handleSortieSeries),
		h("GET /api/v1/sorties/{id}/plans", PermReplay, s.handleSortiePlans),
		// Evidence of a time window, as a sortie's export (web/evidence.go).
		{pattern: "GET /api/v1/evidence", perm: PermReplay, handler: http.HandlerFunc(s.handleWindowEvidence), stream: true},
		// The evidence chain's check is part of reviewing the record (audit), read-only.
		{pattern: "GET /api/v1/verify", perm: PermAudit, handler: http.HandlerFunc(s.handleVerify), stream: true},
		h("GET /api/v1/detections", PermWatch, s.handleDetections),
		h("GET /api/v1/alerts", PermWatch, s.handleAlerts),
		h("POST /api/v1/alerts/{id}/ack", PermCommand, s.handleAlertAck),
		h("GET /api/v1/audit", PermAudit, s.handleAudit),
		h("GET /api/v1/openapi.json", PermWatch, s.handleOpenAPI),

		{pattern: "GET /ws/live", perm: PermWatch, handler: http.HandlerFunc(s.handleLive), stream: true},
		{pattern: "GET /ws/replay", perm: PermReplay, handler: http.HandlerFunc(s.handleReplay), stream: true},
		// /metrics takes an admin's token unless Server.MetricsOpen (guard).
		{pattern: "GET /metrics", perm: PermAdmin, handler: s.metricsHandler()},
		h("GET /api/v1/tak/markers", PermWatch, s.handleTAKMarkers),

		// A headquarters' view of its stations (web/federation.go); 503 on a
		// server that is not one. Commands and uploads go to the station,
		// which checks the same permission for the forwarded user.
		h("GET /api/v1/federation/stations", PermWatch, s.fedList(func(hq *federation.HQ) any { return hq.Stations() })),
		h("GET /api/v1/federation/vehicles", PermWatch, s.fedList(func(hq *federation.HQ) any { return hq.Vehicles() })),
		h("GET /api/v1/federation/alerts", PermWatch, s.fedList(func(hq *federation.HQ) any { return hq.Alerts() })),
		h("GET /api/v1/federation/detections", PermWatch, s.fedList(func(hq *federation.HQ) any { return hq.Detections() })),
		h("GET /api/v1/federation/sorties", PermReplay, s.fedList(func(hq *federation.HQ) any { return hq.Sorties() })),
		{pattern: "GET /ws/federation", perm: PermWatch, handler: http.HandlerFunc(s.handleFedLive), stream: true},
		h("POST /api/v1/federation/stations/{station}/vehicles/{id}/commands", PermCommand, s.handleFedForward),
		{pattern: "PUT /api/v1/federation/stations/{station}/vehicles/{id}/plan", perm: PermCommand, handler: http.HandlerFunc(s.handleFedForward), bodyTypes: planBodyTypes, maxBody: maxPlanBody},
		h("GET /api/v1/federation/stations/{station}/vehicles/{id}/plan", PermWatch, s.handleFedForward),
		h("GET /api/v1/federation/stations/{station}/vehicles/{id}/modes", PermWatch, s.handleFedModes),
		{pattern: "GET /api/v1/backup", perm: PermAdmin, handler: http.HandlerFunc(s.handleBackup), stream: true},
		{pattern: "GET /api/v1/backup/hqview", perm: PermAdmin, handler: http.HandlerFunc(s.handleHQViewBackup), stream: true},

		// Unknown API paths and wrong methods answer JSON errors (404, or 405
		// with Allow), never the UI's page.
		{pattern: "/api/", perm: PermPublic, handler: http.HandlerFunc(s.handleAPINotFound)},
		{pattern: "/", perm: PermPublic, handler: s.uiHandler()},
	}
}
