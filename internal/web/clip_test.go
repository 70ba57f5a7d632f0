package web

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClip(t *testing.T) {
	segs := []segment{{Text: "ab"}, {Text: "é€d", Mark: true}, {Text: "fgh"}}
	if got := clip(segs, 8); len(got) != 3 {
		t.Errorf("8 characters cut: %+v", got)
	}
	got := clip(segs, 4)
	want := []segment{{Text: "ab"}, {Text: "é€", Mark: true}, {Text: ellipsis}}
	if len(got) != len(want) {
		t.Fatalf("clip(…, 4) = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("clip(…, 4) = %+v, want %+v", got, want)
		}
	}
	if clip(segs, 4); segs[2].Text != "fgh" {
		t.Error("clip changed its input")
	}
	long := strings.Repeat("é", maxShownText+10)
	if s := clipText(long, maxShownText); utf8.RuneCountInString(s) != maxShownText+1 || !strings.HasSuffix(s, ellipsis) {
		t.Errorf("clipText: %d characters", utf8.RuneCountInString(s))
	}
	if s := clipText("short", maxShownText); s != "short" {
		t.Errorf("clipText changed a short text: %q", s)
	}
}
