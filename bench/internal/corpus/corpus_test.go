package corpus

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestConfiguration(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		for _, n := range []int{0, 1, 255, 65536, 999_999, 12_345_678} {
			for v := 1; v <= 4; v++ {
				c := Configuration(n, v)
				var m map[string]any
				if err := json.Unmarshal(c, &m); err != nil {
					t.Fatalf("Configuration(%d, %d) is not JSON: %v\n%s", n, v, err, c)
				}
				if len(c) < 1024 || len(c) > 2048 {
					t.Errorf("Configuration(%d, %d) is %d bytes; want 1-2 KB", n, v, len(c))
				}
				if m["instanceId"] != ResourceID(n) {
					t.Errorf("Configuration(%d, %d) instanceId = %v", n, v, m["instanceId"])
				}
				if !bytes.Equal(c, Configuration(n, v)) {
					t.Errorf("Configuration(%d, %d) is not deterministic", n, v)
				}
			}
		}
	})
	t.Run("ErrSameAcrossVersions", func(t *testing.T) {
		if bytes.Equal(Configuration(7, 1), Configuration(7, 2)) {
			t.Error("versions 1 and 2 of a resource have the same configuration")
		}
		if bytes.Equal(Configuration(7, 1), Configuration(8, 1)) {
			t.Error("resources 7 and 8 have the same configuration")
		}
	})
}

func TestIDs(t *testing.T) {
	cases := []struct {
		got, want string
	}{
		{ResourceID(42), "srv-00000042"},
		{ResourceID(123456789), "srv-123456789"},
		{ResourceName(7), "server-00000007"},
		{NewResourceID("ab12", 3), "new-ab12-00000003"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	if len(Tags(5)) != 3 {
		t.Errorf("Tags(5) = %v; want 3 tags", Tags(5))
	}
}
