package web

import (
	"io/fs"
	"net/http"

	"github.com/borderwatch/borderwatch/web/ui"
)

// uiHandler serves the browser UI: from UIDir when set (development), else
// from the build embedded in the binary, else a page that says how to build it.
func (s *Server) uiHandler() http.Handler {
	h := s.uiFiles()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeError(w, http.StatusMethodNotAllowed, r.Method+" is not allowed on the UI's files; allowed: GET, HEAD")
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (s *Server) uiFiles() http.Handler {
	if s.UIDir != "" {
		return http.FileServer(http.Dir(s.UIDir))
	}
	dist, err := fs.Sub(ui.Dist, "dist")
	if err == nil {
		if _, err = fs.Stat(dist, "index.html"); err == nil {
			return http.FileServer(http.FS(dist))
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(notBuiltPage))
	})
}

const notBuiltPage = `<!doctype html><html><head><title>Borderwatch: UI not built</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:3em auto">
<h1>The Borderwatch UI was not built into this binary</h1>
<p>The API works (try <a href="/api/v1/vehicles">/api/v1/vehicles</a>), but the map was not bundled.
Build it with <code>make build</code> (or <code>make demo</code>), which installs the UI's npm packages
from <code>web/ui/package-lock.json</code>, bundles them into <code>web/ui/dist</code> and embeds that folder.</p>
</body></html>`
