package awsjson

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/configd/configd/api"
	"github.com/configd/configd/pagetoken"
	"github.com/configd/configd/service"
	"github.com/configd/configd/sqlite"
)

func newTestServer(t testing.TB) *Server {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tokens, _ := pagetoken.New(bytes.Repeat([]byte{1}, 32))
	return NewServer(&Server{
		Service: service.New(service.Options{Store: db, SnapshotDir: t.TempDir()}),
		Auth:    EmulatorAuth{},
		Tokens:  tokens,
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
}

// FuzzRequest drives the whole request path (routing, decoding, validation,
// handlers, store) with arbitrary bodies: it must always answer a JSON body
// with a status below 500 (or 501 for unimplemented operations), never
// panic, and never hang.
func FuzzRequest(f *testing.F) {
	s := newTestServer(f)
	seeds := []struct{ op, body string }{
		{"PutConfigurationRecorder", `{"ConfigurationRecorder":{"name":"default","recordingGroup":{"allSupported":true}}}`},
		{"PutDeliveryChannel", `{"DeliveryChannel":{"name":"default","s3BucketName":"b"}}`},
		{"StartConfigurationRecorder", `{"ConfigurationRecorderName":"default"}`},
		{"PutResourceConfig", `{"ResourceType":"A::B::C","SchemaVersionId":"1","ResourceId":"x","Configuration":"{}"}`},
		{"GetResourceConfigHistory", `{"resourceType":"A::B::C","resourceId":"x","limit":1,"laterTime":1.5e9}`},
		{"ListDiscoveredResources", `{"resourceType":"A::B::C","nextToken":"abc"}`},
		{"BatchGetResourceConfig", `{"resourceKeys":[{"resourceType":"A::B::C","resourceId":"x"}]}`},
		{"TagResource", `{"ResourceArn":"arn:aws:config:us-east-1:000000000000:configuration-recorder/x","Tags":[{"Key":"k"}]}`},
		{"PutRetentionConfiguration", `{"RetentionPeriodInDays":30}`},
		{"DescribeConfigRules", `{"ConfigRuleNames":["a"]}`},
	}
	for i, sd := range seeds {
		f.Add(uint8(i), sd.body)
	}
	f.Fuzz(func(t *testing.T, opIndex uint8, body string) {
		op := api.OperationNames[int(opIndex)%len(api.OperationNames)]
		if int(opIndex) < len(seeds) {
			op = seeds[opIndex].op
		}
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader([]byte(body)))
		req.Header.Set("X-Amz-Target", TargetPrefix+op)
		req.Header.Set("Content-Type", ContentType)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code >= 500 && w.Code != http.StatusNotImplemented {
			t.Fatalf("%s %q: status %d %s", op, body, w.Code, w.Body.String())
		}
		var v map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
			t.Fatalf("%s %q: response is not a JSON object: %q", op, body, w.Body.String())
		}
		if w.Code != 200 && (v["__type"] == nil || v["message"] == nil) {
			t.Fatalf("%s %q: error body %v", op, body, v)
		}
	})
}
