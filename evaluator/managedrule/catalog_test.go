package managedrule

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

func TestLookup(t *testing.T) {
	t.Run("OKRequiredTags", func(t *testing.T) {
		s, ok := Lookup("REQUIRED_TAGS")
		if !ok {
			t.Fatal("REQUIRED_TAGS missing")
		}
		if len(s.Parameters) != 12 {
			t.Errorf("%d parameters, want 12", len(s.Parameters))
		}
		p, ok := s.Param("tag1Key")
		if !ok || p.Type != TypeString || p.Optional || p.Default != "CostCenter" {
			t.Errorf("tag1Key = %+v, %t", p, ok)
		}
		if p, _ := s.Param("tag3Value"); p.Type != TypeCSV || !p.Optional {
			t.Errorf("tag3Value = %+v", p)
		}
		if !slices.Equal(s.TriggerTypes, []string{TriggerConfigurationChange}) {
			t.Errorf("triggers %v", s.TriggerTypes)
		}
		if !slices.Contains(s.ResourceTypes, "AWS::S3::Bucket") || !slices.Contains(s.ResourceTypes, "AWS::EC2::Instance") {
			t.Errorf("resource types %v", s.ResourceTypes)
		}
	})
	t.Run("OKBothTriggers", func(t *testing.T) {
		s, _ := Lookup("INCOMING_SSH_DISABLED")
		if !s.HasTrigger(TriggerConfigurationChange) || !s.HasTrigger(TriggerPeriodic) {
			t.Errorf("triggers %v", s.TriggerTypes)
		}
	})
	t.Run("OKAccountLevel", func(t *testing.T) {
		s, _ := Lookup("CLOUD_TRAIL_ENABLED")
		if len(s.ResourceTypes) != 0 || !slices.Equal(s.TriggerTypes, []string{TriggerPeriodic}) {
			t.Errorf("spec %+v", s)
		}
	})
	t.Run("OKAccountAsType", func(t *testing.T) {
		// The catalogue names AWS::::Account as the one type of some rules:
		// they evaluate the account too.
		s, _ := Lookup("IAM_POLICY_IN_USE")
		if len(s.ResourceTypes) != 0 {
			t.Errorf("resource types %v", s.ResourceTypes)
		}
	})
	t.Run("OKDefaults", func(t *testing.T) {
		s, _ := Lookup("RESTRICTED_INCOMING_TRAFFIC")
		if p, _ := s.Param("blockedPort3"); p.Type != TypeInt || p.Default != "3389" {
			t.Errorf("blockedPort3 = %+v", p)
		}
		if _, ok := s.Param("nope"); ok {
			t.Error("Param found an unknown name")
		}
	})
	t.Run("ErrUnknown", func(t *testing.T) {
		if _, ok := Lookup("NO_SUCH_RULE"); ok {
			t.Error("found NO_SUCH_RULE")
		}
	})
}

func TestIdentifiers(t *testing.T) {
	ids := Identifiers()
	if len(ids) < 800 {
		t.Fatalf("%d identifiers, want the full catalogue (813 in moto 5.2.1)", len(ids))
	}
	if !slices.IsSorted(ids) {
		t.Error("identifiers are not sorted")
	}
	for _, id := range ids {
		s, _ := Lookup(id)
		if len(s.TriggerTypes) == 0 {
			t.Errorf("%s has no trigger type", id)
		}
		for _, p := range s.Parameters {
			switch p.Type {
			case TypeString, TypeInt, TypeBoolean, TypeDouble, TypeCSV, TypeStringMap:
			default:
				t.Errorf("%s.%s has type %q", id, p.Name, p.Type)
			}
		}
	}
}

// TestCatalogUpToDate regenerates catalog.json from the installed moto and
// compares it with the committed file. It is skipped where moto is not
// installed.
func TestCatalogUpToDate(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed")
	}
	if err := exec.Command("python3", "-c", "import moto").Run(); err != nil {
		t.Skip("moto not installed")
	}
	out := filepath.Join(t.TempDir(), "catalog.json")
	cmd := exec.Command("go", "run", "./internal/gen", "-out", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gen: %v\n%s", err, b)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, catalogJSON) {
		t.Error("catalog.json differs from what internal/gen makes from the installed moto; run go generate")
	}
}
