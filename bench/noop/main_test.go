package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestServe(t *testing.T) {
	t.Run("OK", func(t *testing.T) { checkReply(t, "{}") })
	t.Run("Reply", func(t *testing.T) {
		// -reply: a large body, with its Content-Length as configd sends it.
		defer func(b []byte) { replyBody = b }(replyBody)
		big := `{"baseConfigurationItems":[` + strings.Repeat(`{"configuration":"{\"a\":1}"},`, 20000) + `{}]}`
		replyBody = []byte(big)
		checkReply(t, big)
	})
	t.Run("ErrNotLoopback", func(t *testing.T) {
		err := serve(context.Background(), "0.0.0.0:0", nil)
		if err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("serve on 0.0.0.0 = %v; want a refusal", err)
		}
	})
}

// checkReply serves one request and checks that its answer is 200 with body
// want, AWS's content type, a request id and the body's Content-Length.
func checkReply(t *testing.T, want string) {
	t.Helper()
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
	if resp.StatusCode != 200 || string(body) != want || resp.Header.Get("Content-Type") != contentType || len(resp.Header.Get("x-amzn-RequestId")) != 36 ||
		resp.ContentLength != int64(len(want)) {
		t.Errorf("got %d, %d bytes (Content-Length %d), headers %v; want 200, %d bytes, content type and request id", resp.StatusCode, len(body), resp.ContentLength, resp.Header, len(want))
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve after cancel: %v", err)
	}
}
