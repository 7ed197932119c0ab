package mototest

import (
	"net/http"
	"strings"
	"testing"
)

func TestStart(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		endpoint := Start(t)
		if !strings.HasPrefix(endpoint, "http://127.0.0.1:") {
			t.Fatalf("endpoint %q is not on loopback", endpoint)
		}
		resp, err := http.Get(endpoint + "/moto-api/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %s", resp.Status)
		}
		Reset(t, endpoint)
	})
}

func TestStop(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		if err := Available(); err != nil {
			unavailable(t, err)
		}
		s, err := Launch()
		if err != nil {
			t.Fatal(err)
		}
		s.Stop()
		s.Stop() // safe twice
		if _, err := http.Get(s.Endpoint + "/moto-api/"); err == nil {
			t.Fatal("server still answers after Stop")
		}
	})
}
