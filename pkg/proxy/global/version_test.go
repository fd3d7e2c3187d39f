package global

import (
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

func TestVersionRoundTrip(t *testing.T) {
	v := Version{"member1": "10", "member2": "2000"}
	got, ok, err := ParseVersion(v.Encode())
	if err != nil || !ok || len(got) != 2 || got["member1"] != "10" || got["member2"] != "2000" {
		t.Fatalf("ParseVersion(Encode()) = %v, %v, %v", got, ok, err)
	}
	if v.Encode() != (Version{"member2": "2000", "member1": "10"}).Encode() {
		t.Error("equal versions encode differently")
	}
	for _, s := range []string{"", "0"} {
		if got, ok, err := ParseVersion(s); got != nil || ok || err != nil {
			t.Errorf("ParseVersion(%q) = %v, %v, %v", s, got, ok, err)
		}
	}
}

func TestParseVersionRejectsForgeries(t *testing.T) {
	for _, s := range []string{"12345", "mc1.", "mc1.!!!", "mc1.e30", "mc1.eyJhIjoiIn0", "mc1.bnVsbA", "garbage"} {
		if _, _, err := ParseVersion(s); !apierrors.IsBadRequest(err) {
			t.Errorf("ParseVersion(%q) error = %v, want 400", s, err)
		}
	}
}

func TestContinueToken(t *testing.T) {
	clusters := []string{"member1", "member2", "member3"}
	tok := continueToken{Version: Version{"member1": "1", "member2": "2"}, Cluster: "member2", Member: "abc"}
	got, err := parseContinue(tok.encode(), clusters)
	if err != nil || got.Cluster != "member2" || got.Member != "abc" || got.Version["member1"] != "1" {
		t.Fatalf("parseContinue = %+v, %v", got, err)
	}
	bad := []string{"", "abc", "mc1.###", "mc1.e30",
		continueToken{Version: Version{"member1": "1"}, Cluster: "member9"}.encode(),
		continueToken{Version: Version{"member1": "1"}, Cluster: "member2"}.encode(),
	}
	for _, s := range bad {
		if _, err := parseContinue(s, clusters); !apierrors.IsBadRequest(err) {
			t.Errorf("parseContinue(%q) error = %v, want 400", s, err)
		}
	}
}
