package main

import (
	"context"
	"strings"
	"testing"
)

func TestParseTarget(t *testing.T) {
	ok := []struct {
		raw, host, dial string
	}{
		{"http://127.0.0.1:4599", "127.0.0.1:4599", "127.0.0.1:4599"},
		{"http://127.0.0.1:4599/", "127.0.0.1:4599", "127.0.0.1:4599"},
		{"http://127.1.2.3:80", "127.1.2.3:80", "127.1.2.3:80"},
		{"http://[::1]:8080", "[::1]:8080", "[::1]:8080"},
	}
	for _, c := range ok {
		t.Run("OK", func(t *testing.T) {
			tg, err := ParseTarget(context.Background(), c.raw)
			if err != nil {
				t.Fatalf("ParseTarget(%q): %v", c.raw, err)
			}
			if tg.Host != c.host || tg.Dial != c.dial {
				t.Errorf("ParseTarget(%q) = %+v; want host %q dial %q", c.raw, tg, c.host, c.dial)
			}
		})
	}
	bad := []struct {
		name, raw, want string
	}{
		{"ErrRemoteIP", "http://10.0.0.1:4599", "not a loopback"},
		{"ErrPublicIP", "http://8.8.8.8:80", "not a loopback"},
		{"ErrHostname", "http://config.us-east-1.amazonaws.com:443", "not a loopback"},
		{"ErrUnspecified", "http://0.0.0.0:4599", "not a loopback"},
		{"ErrHTTPS", "https://127.0.0.1:4599", "http://"},
		{"ErrNoPort", "http://127.0.0.1", "port"},
		{"ErrPath", "http://127.0.0.1:1/x", "only scheme"},
		{"ErrUserinfo", "http://u:p@127.0.0.1:1", "only scheme"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseTarget(context.Background(), c.raw)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("ParseTarget(%q) = %v; want an error containing %q", c.raw, err, c.want)
			}
		})
	}
}

func TestParseTargets(t *testing.T) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		tg, err := ParseTargets(ctx, "http://127.0.0.1:4599,http://127.0.0.1:4600")
		if err != nil {
			t.Fatal(err)
		}
		if tg.Host != "127.0.0.1:4599" || tg.Dial != "127.0.0.1:4599" || len(tg.Spread) != 2 ||
			tg.dialFor(0) != "127.0.0.1:4599" || tg.dialFor(1) != "127.0.0.1:4600" || tg.dialFor(2) != "127.0.0.1:4599" {
			t.Fatalf("ParseTargets = %+v", tg)
		}
	})
	t.Run("OKOne", func(t *testing.T) {
		tg, err := ParseTargets(ctx, "http://127.0.0.1:4599")
		if err != nil || tg.Spread != nil || tg.dialFor(3) != "127.0.0.1:4599" {
			t.Fatalf("ParseTargets = %+v, %v", tg, err)
		}
	})
	t.Run("ErrRemoteInList", func(t *testing.T) {
		if _, err := ParseTargets(ctx, "http://127.0.0.1:4599,http://10.0.0.1:4599"); err == nil || !strings.Contains(err.Error(), "not a loopback") {
			t.Fatalf("ParseTargets with a remote member = %v", err)
		}
	})
}
