package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestServe(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		ready := make(chan string, 1)
		done := make(chan error, 1)
		go func() { done <- serve(ctx, "127.0.0.1:0", ready) }()
		addr := <-ready
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/", strings.NewReader(`{"resourceType":"X"}`))
		req.Header.Set("X-Amz-Target", "StarlingDoveService.ListDiscoveredResources")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != "{}" || resp.Header.Get("Content-Type") != contentType || len(resp.Header.Get("x-amzn-RequestId")) != 36 {
			t.Errorf("got %d %q headers %v; want 200 {} with content type and request id", resp.StatusCode, body, resp.Header)
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve after cancel: %v", err)
		}
	})
	t.Run("ErrNotLoopback", func(t *testing.T) {
		err := serve(context.Background(), "0.0.0.0:0", nil)
		if err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("serve on 0.0.0.0 = %v; want a refusal", err)
		}
	})
}
