// Package apiclient is a small client of Borderwatch's HTTP API for the
// command line: when a running server holds the store file, read-only
// commands (sorties, export, verify, backup) ask the server instead of the file.
package apiclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
)

// Client talks to one server.
type Client struct {
	// BaseURL of the server, e.g. http://127.0.0.1:8080.
	BaseURL string
	// (optional) Token is sent as "Authorization: Bearer TOKEN" (see
	// `borderwatch tokens create`). Defaults to none.
	Token string
	// (optional) HTTP defaults to a client with a 30 s timeout for JSON
	// answers; downloads are bounded by the caller's context instead.
	HTTP *http.Client
}

// ErrUnauthorized means the server wants a token (or a better one).
var ErrUnauthorized = errors.New("the server refused the credentials: give a token with --token or BORDERWATCH_TOKEN (borderwatch tokens create USER)")

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{}
}

func (c *Client) get(ctx context.Context, path string, q url.Values) (*http.Response, error) {
	u := strings.TrimRight(c.BaseURL, "/") + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("server address %q: %w", c.BaseURL, err)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	res, err := c.http().Do(req)
	if err != nil {
		return nil, fmt.Errorf("asking the server at %s: %w (is it running? give its address with --server)", c.BaseURL, err)
	}
	if res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden {
		res.Body.Close()
		return nil, fmt.Errorf("%s: HTTP %d: %w", path, res.StatusCode, ErrUnauthorized)
	}
	if res.StatusCode != http.StatusOK {
		defer res.Body.Close()
		var e struct {
			Error string `json:"error"`
		}
		body, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		if json.Unmarshal(body, &e) == nil && e.Error != "" {
			return nil, fmt.Errorf("%s: HTTP %d: %s", path, res.StatusCode, e.Error)
		}
		return nil, fmt.Errorf("%s: HTTP %d", path, res.StatusCode)
	}
	return res, nil
}

func (c *Client) getJSON(ctx context.Context, path string, q url.Values, v any) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	res, err := c.get(ctx, path, q)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if err := json.NewDecoder(io.LimitReader(res.Body, 64<<20)).Decode(v); err != nil {
		return fmt.Errorf("%s: the server's answer is not what this program reads: %w", path, err)
	}
	return nil
}

// Sorties lists the sorties, newest first; vehicle 0 means all.
func (c *Client) Sorties(ctx context.Context, vehicle telemetry.VehicleID) ([]store.Sortie, error) {
	q := url.Values{}
	if vehicle != 0 {
		q.Set("vehicle", vehicle.String())
	}
	var out []store.Sortie
	err := c.getJSON(ctx, "/api/v1/sorties", q, &out)
	return out, err
}

// Networks returns the server's MAVLink networks (GET /api/v1/networks).
func (c *Client) Networks(ctx context.Context) ([]telemetry.Network, error) {
	var out []telemetry.Network
	err := c.getJSON(ctx, "/api/v1/networks", nil, &out)
	return out, err
}

// Sortie returns one sortie.
func (c *Client) Sortie(ctx context.Context, id uint64) (store.Sortie, error) {
	var out store.Sortie
	err := c.getJSON(ctx, "/api/v1/sorties/"+strconv.FormatUint(id, 10), nil, &out)
	return out, err
}

// Export writes a sortie's export in format (tlog, gpx, kml, geojson, csv …)
// to w and returns the bytes written.
func (c *Client) Export(ctx context.Context, id uint64, format string, w io.Writer) (int64, error) {
	res, err := c.get(ctx, "/api/v1/sorties/"+strconv.FormatUint(id, 10)+"/export", url.Values{"format": {format}})
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	n, err := io.Copy(w, res.Body)
	if err != nil {
		return n, fmt.Errorf("downloading the export: %w", err)
	}
	return n, nil
}

// Backup writes a consistent copy of the server's store to w (admin only)
// and returns the bytes written.
func (c *Client) Backup(ctx context.Context, w io.Writer) (int64, error) {
	return c.download(ctx, "/api/v1/backup", w)
}

// BackupHQView writes a consistent copy of a headquarters' view file
// (<data>.hqview) to w (admin only) and returns the bytes written.
func (c *Client) BackupHQView(ctx context.Context, w io.Writer) (int64, error) {
	return c.download(ctx, "/api/v1/backup/hqview", w)
}

// download writes a backup's body to w, refusing one cut short.
func (c *Client) download(ctx context.Context, path string, w io.Writer) (int64, error) {
	res, err := c.get(ctx, path, nil)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	n, err := io.Copy(w, res.Body)
	if err != nil {
		return n, fmt.Errorf("downloading the backup (%s): %w", path, err)
	}
	if res.ContentLength >= 0 && n != res.ContentLength {
		return n, fmt.Errorf("downloading the backup (%s): got %d of %d bytes", path, n, res.ContentLength)
	}
	return n, nil
}

// Verify asks the server to check its store's evidence chain (audit
// permission) and returns its report. Checking a large store takes a while:
// it is bounded by ctx only.
func (c *Client) Verify(ctx context.Context) (store.ChainReport, error) {
	var rep store.ChainReport
	res, err := c.get(ctx, "/api/v1/verify", nil)
	if err != nil {
		return rep, err
	}
	defer res.Body.Close()
	if err := json.NewDecoder(io.LimitReader(res.Body, 64<<20)).Decode(&rep); err != nil {
		return rep, fmt.Errorf("/api/v1/verify: the server's answer is not what this program reads: %w", err)
	}
	return rep, nil
}

// WindowEvidence writes the evidence package (zip) of a time window
// (from, to, and the vehicles' system ids, all when empty) of stream to w
// and returns the bytes written.
func (c *Client) WindowEvidence(ctx context.Context, q store.Query, w io.Writer) (int64, error) {
	v := url.Values{"from": {q.From.UTC().Format(time.RFC3339Nano)}, "to": {q.To.UTC().Format(time.RFC3339Nano)}}
	for _, id := range q.Systems {
		v.Add("vehicle", strconv.Itoa(int(id)))
	}
	if q.Stream != 0 {
		v.Set("stream", strconv.FormatUint(uint64(q.Stream), 10))
	}
	res, err := c.get(ctx, "/api/v1/evidence", v)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	n, err := io.Copy(w, res.Body)
	if err != nil {
		return n, fmt.Errorf("downloading the evidence package: %w", err)
	}
	if res.ContentLength >= 0 && n != res.ContentLength {
		return n, fmt.Errorf("downloading the evidence package: got %d of %d bytes", n, res.ContentLength)
	}
	return n, nil
}
