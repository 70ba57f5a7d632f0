package secret

import (
	"unicode/utf8"

	"github.com/vigie-project/vigie"
)

// What a credential shows of itself: its last ShownChars characters after
// an ellipsis ("…abcd"), if it has at least MinShownLen; a shorter one
// shows only FullMask, so that most of it always stays hidden.
const (
	ShownChars  = 4
	MinShownLen = 12
	FullMask    = "••••"
)

// Mask is how a credential is shown back (ShownChars). An empty value
// stays empty: there is nothing to hide, and it tells "not set".
func Mask(v string) string {
	n := utf8.RuneCountInString(v)
	switch {
	case n == 0:
		return ""
	case n < MinShownLen:
		return FullMask
	}
	i := len(v)
	for range ShownChars {
		_, size := utf8.DecodeLastRuneInString(v[:i])
		i -= size
	}
	return "…" + v[i:]
}

// MaskSettings returns a copy of a source's settings with the credentials
// (vigie.SecretSetting) masked, for showing them back.
func MaskSettings(settings map[string]string) map[string]string {
	if settings == nil {
		return nil
	}
	out := make(map[string]string, len(settings))
	for k, v := range settings {
		if vigie.SecretSetting(k) {
			v = Mask(v)
		}
		out[k] = v
	}
	return out
}

// KeepMasked returns the settings given for an update with each
// credential given back as it was shown (its mask, unchanged) replaced by
// the stored value, so that saving a form or an object read from the API
// keeps the credential rather than storing its mask.
func KeepMasked(stored, given map[string]string) map[string]string {
	if given == nil {
		return nil
	}
	out := make(map[string]string, len(given))
	for k, v := range given {
		if old, ok := stored[k]; ok && vigie.SecretSetting(k) && v != "" && v == Mask(old) {
			v = old
		}
		out[k] = v
	}
	return out
}
