package web

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/telemetry/store/storetest"
	"github.com/borderwatch/borderwatch/web/auth"
)

// sessionServer runs a server on the store file at path (so that a test can
// stop it and start another on the same file, as a restart does).
type sessionServer struct {
	*Server
	st *store.Store
}

func startSessionServer(t *testing.T, path string, tune func(*Server)) sessionServer {
	t.Helper()
	hub := &telemetry.Hub{}
	fleet := &gcs.Fleet{Links: []string{"udp://127.0.0.1:0"}, Hub: hub}
	if err := fleet.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fleet.Close)
	st := storetest.MustOpenPath(t, path)
	accounts := &auth.Accounts{Store: st, BcryptCost: bcrypt.MinCost}
	if err := accounts.Initialize(); err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: "127.0.0.1:0", Fleet: fleet, Hub: hub, Store: st, Accounts: accounts}
	if tune != nil {
		tune(s)
	}
	if err := s.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return sessionServer{Server: s, st: st}
}

func (s sessionServer) stop(t *testing.T) {
	s.Close()
	if err := s.st.Close(); err != nil {
		t.Fatal(err)
	}
}

// login posts a login and returns the answer and the session cookie.
func login(t *testing.T, c *http.Client, base, user, password string) (int, SessionInfo, *http.Cookie, []byte) {
	t.Helper()
	body, _ := json.Marshal(LoginRequest{User: user, Password: password})
	res, err := c.Post(base+"/api/v1/session", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(res.Body)
	var info SessionInfo
	_ = json.Unmarshal(buf.Bytes(), &info)
	for _, ck := range res.Cookies() {
		if ck.Name == SessionCookie {
			return res.StatusCode, info, ck, buf.Bytes()
		}
	}
	return res.StatusCode, info, nil, buf.Bytes()
}

func whoAmI(t *testing.T, c *http.Client, base string, ck *http.Cookie) (int, SessionInfo) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/api/v1/session", nil)
	req.AddCookie(ck)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var info SessionInfo
	_ = json.NewDecoder(res.Body).Decode(&info)
	return res.StatusCode, info
}

// A browser logs in, keeps its session across a server restart, and logs out.
func TestSession_LoginRestartLogout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bw.db")
	s := startSessionServer(t, path, nil)
	if _, err := s.accounts.AddUser("ann", auth.RoleOperator, "ann's password"); err != nil {
		t.Fatal(err)
	}
	code, info, ck, body := login(t, http.DefaultClient, s.URL(), "ann", "ann's password")
	if code != 200 || info.User != "ann" || info.Name != "ann" || info.Role != auth.RoleOperator ||
		strings.Join(permStrings(info.Permissions), ",") != "watch,plan,command" || ck == nil {
		t.Fatalf("login: %d %s", code, body)
	}
	if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Secure || ck.Path != "/" || ck.MaxAge <= 0 {
		t.Fatalf("cookie attributes: %+v", ck)
	}
	if code, who := whoAmI(t, http.DefaultClient, s.URL(), ck); code != 200 || who.User != "ann" || who.Via != "session" {
		t.Fatalf("who am I: %d %+v", code, who)
	}
	if code, _, _, _ := login(t, http.DefaultClient, s.URL(), "ann", "not the password"); code != 401 {
		t.Fatalf("wrong password: %d", code)
	}

	s.stop(t)
	s = startSessionServer(t, path, nil)
	if code, who := whoAmI(t, http.DefaultClient, s.URL(), ck); code != 200 || who.User != "ann" {
		t.Fatalf("after a restart: %d %+v", code, who)
	}
	req, _ := http.NewRequest("DELETE", s.URL()+"/api/v1/session", nil)
	req.AddCookie(ck)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("logout: %d %q", res.StatusCode, res.Header.Get("Set-Cookie"))
	}
	if code, _ := whoAmI(t, http.DefaultClient, s.URL(), ck); code != 401 {
		t.Fatalf("after logout: %d", code)
	}
}

func permStrings(ps []auth.Permission) []string {
	var out []string
	for _, p := range ps {
		out = append(out, string(p))
	}
	return out
}

// Over HTTP the 11th wrong login in a minute is refused even when right,
// with 429, Retry-After and a message that says what to do.
func TestSession_LoginRateLimit_429(t *testing.T) {
	s := startSessionServer(t, filepath.Join(t.TempDir(), "bw.db"), nil)
	if _, err := s.accounts.AddUser("ann", auth.RoleOperator, "ann's password"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		if code, _, _, _ := login(t, http.DefaultClient, s.URL(), "ann", "guess"); code != 401 {
			t.Fatalf("wrong password %d: %d", i+1, code)
		}
	}
	code, _, ck, body := login(t, http.DefaultClient, s.URL(), "ann", "ann's password")
	if code != 429 || ck != nil || !strings.Contains(string(body), "too many failed logins") || !strings.Contains(string(body), "try again") {
		t.Fatalf("11th login: %d %s", code, body)
	}
}

// Under TLS the session cookie is Secure and HSTS is sent.
func TestSession_TLS_SecureCookie(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	s := startSessionServer(t, filepath.Join(dir, "bw.db"), func(s *Server) { s.TLSCert, s.TLSKey = certFile, keyFile })
	if !strings.HasPrefix(s.URL(), "https://") {
		t.Fatalf("URL %s", s.URL())
	}
	if _, err := s.accounts.AddUser("ann", auth.RoleOperator, "ann's password"); err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	code, _, ck, body := login(t, c, s.URL(), "ann", "ann's password")
	if code != 200 || ck == nil || !ck.Secure || !ck.HttpOnly {
		t.Fatalf("login over TLS: %d %+v %s", code, ck, body)
	}
	res, err := c.Get(s.URL() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Header.Get("Strict-Transport-Security") == "" {
		t.Fatal("no HSTS under TLS")
	}
	if res, err := http.Get("http" + strings.TrimPrefix(s.URL(), "https") + "/healthz"); err == nil {
		res.Body.Close()
		if res.StatusCode == 200 {
			t.Fatal("plain HTTP answered on the TLS port")
		}
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "borderwatch test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}
