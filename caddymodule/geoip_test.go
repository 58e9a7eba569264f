package caddymodule

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/certmagic"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/caddy-privacy/caddy-privacy/redact/country/countrytest"
)

// Every error about the database names the path and says what to do.
func TestLoadCountriesErrorsSayWhatToDo(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.txt")
	os.WriteFile(notDB, []byte("not a database"), 0o600)
	for name, path := range map[string]string{
		"missing":     filepath.Join(dir, "GeoLite2-Country.mmdb"),
		"directory":   dir,
		"not a db":    notDB,
		"missing dir": filepath.Join(dir, "no", "such", "dir", "c.mmdb"),
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := loadCountries(path, "", 0, time.Minute)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			for _, want := range []string{path, "geoip <path>", "geoip off", "GeoLite2", "ip-location-db"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error lacks %q: %s", want, msg)
				}
			}
		})
	}
}

// A shared file is checked at the smallest interval its users ask for,
// and goes back up when that user leaves.
func TestSharedCountriesInterval(t *testing.T) {
	db := countrytest.WriteMaxMind(t, t.TempDir(), testNets)
	key, s, err := loadCountries(db, "", 0, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer countryDBs.Delete(key)
	if got := s.interval(); got != time.Minute {
		t.Fatalf("interval = %s, want 1m", got)
	}
	key2, s2, err := loadCountries(db, "", 0, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if s2 != s {
		t.Fatal("the file was opened twice")
	}
	if got := s.interval(); got != 2*time.Second {
		t.Errorf("interval = %s with a user asking 2s, want 2s", got)
	}
	s.removeInterval(2 * time.Second)
	countryDBs.Delete(key2)
	if got := s.interval(); got != time.Minute {
		t.Errorf("interval = %s after the 2s user left, want 1m", got)
	}
}

// Storage the pseudonym keys cannot be written to is named, with what to
// check.
func TestKeyStorageErrorSaysWhatToDo(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a-file")
	os.WriteFile(file, nil, 0o600)
	h := &Handler{}
	h.GeoIP.Off = true
	err := h.provision(zap.NewNop(), &certmagic.FileStorage{Path: filepath.Join(file, "storage")}, prometheus.NewRegistry())
	if err == nil {
		h.Cleanup()
		t.Fatal("no error for storage under a regular file")
	}
	for _, want := range []string{"pseudonym keys", file, "`storage` option", "read and write"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}
