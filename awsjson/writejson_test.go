package awsjson

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/configd/configd/api"
)

// batchResponse is a BatchGetResourceConfig response of n items with
// configurations of about 1.7 KB, as the foundation benchmark reads.
func batchResponse(n int) *api.BatchGetResourceConfigResponse {
	cfg := `{"instanceId":"srv-00000001","state":{"code":16,"name":"running"},"tags":"<a&b>","padding":"` + strings.Repeat("x", 1600) + `"}`
	out := &api.BatchGetResourceConfigResponse{BaseConfigurationItems: []api.BaseConfigurationItem{}, UnprocessedResourceKeys: []api.ResourceKey{}}
	for range n {
		out.BaseConfigurationItems = append(out.BaseConfigurationItems, api.BaseConfigurationItem{
			Version: "1.3", AccountId: "123456789012", ConfigurationItemStatus: "OK", ConfigurationStateId: "1709528767890",
			Arn: "arn:aws:ec2:us-east-1:123456789012:instance/i-1", ResourceType: "ConfigdBench::Fleet::Server",
			ResourceId: "srv-00000001", ResourceName: "server-00000001", AwsRegion: "us-east-1", Configuration: cfg,
			SupplementaryConfiguration: map[string]string{},
		})
	}
	return out
}

// discard is a ResponseWriter that keeps nothing, for benchmarks.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

func TestWriteJSON(t *testing.T) {
	s := &Server{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	t.Run("OK", func(t *testing.T) {
		for range 3 { // buffers come from a pool: each response is whole
			w := httptest.NewRecorder()
			s.writeJSON(w, http.StatusOK, map[string]string{"a": "<b>&"})
			if got := w.Body.String(); got != `{"a":"<b>&"}` {
				t.Errorf("body %q", got)
			}
			if w.Code != http.StatusOK || w.Header().Get("Content-Type") != ContentType || w.Header().Get("Content-Length") != "12" {
				t.Errorf("status %d, headers %v", w.Code, w.Header())
			}
		}
	})
	t.Run("OKLarge", func(t *testing.T) {
		w := httptest.NewRecorder()
		s.writeJSON(w, http.StatusOK, batchResponse(100))
		if !strings.HasPrefix(w.Body.String(), `{"baseConfigurationItems":[{`) || w.Body.Len() < 170_000 || strings.HasSuffix(w.Body.String(), "\n") {
			t.Errorf("body of %d bytes: %.60q...", w.Body.Len(), w.Body.String())
		}
	})
	t.Run("OKAppender", func(t *testing.T) {
		want := `{"baseConfigurationItems":[],"unprocessedResourceKeys":[{"resourceType":"AWS::S3::Bucket","resourceId":"b\"1"}]}`
		for range 3 { // after a large response, the pooled buffer is reused
			s.writeJSON(httptest.NewRecorder(), http.StatusOK, batchResponse(10))
			w := httptest.NewRecorder()
			s.writeJSON(w, http.StatusOK, &api.BatchGetResourceConfigResponse{
				BaseConfigurationItems:  []api.BaseConfigurationItem{},
				UnprocessedResourceKeys: []api.ResourceKey{{ResourceType: "AWS::S3::Bucket", ResourceId: `b"1`}},
			})
			if got := w.Body.String(); got != want || w.Header().Get("Content-Length") != strconv.Itoa(len(want)) {
				t.Fatalf("body %q, Content-Length %s; want %q", got, w.Header().Get("Content-Length"), want)
			}
		}
	})
	t.Run("Empty", func(t *testing.T) {
		w := httptest.NewRecorder()
		s.writeJSON(w, http.StatusOK, empty{})
		if got := w.Body.String(); got != `{}` || w.Header().Get("Content-Length") != "2" {
			t.Errorf("body %q, Content-Length %s; want {}", got, w.Header().Get("Content-Length"))
		}
	})
	t.Run("ErrorBody", func(t *testing.T) {
		// As encoding/json writes the map AWS's body used to be: keys in order.
		w := httptest.NewRecorder()
		s.writeJSON(w, http.StatusBadRequest, errorBody{"ValidationException", "Value '<a&\"b\">' at 'x'\n"})
		if got, want := w.Body.String(), `{"__type":"ValidationException","message":"Value '<a&\"b\">' at 'x'\n"}`; got != want {
			t.Errorf("body %s, want %s", got, want)
		}
	})
	t.Run("ErrEncode", func(t *testing.T) {
		w := httptest.NewRecorder()
		s.writeJSON(w, http.StatusOK, map[string]any{"f": func() {}})
		if w.Code != http.StatusInternalServerError || w.Body.String() != `{"__type":"InternalFailure","message":"An internal error occurred."}` {
			t.Errorf("status %d body %q", w.Code, w.Body.String())
		}
	})
}

func BenchmarkWriteJSON(b *testing.B) {
	s := &Server{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, n := range []int{1, 10, 100} {
		v := batchResponse(n)
		b.Run("items="+strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				w := &discard{h: http.Header{}}
				for pb.Next() {
					s.writeJSON(w, http.StatusOK, v)
				}
			})
		})
	}
}
