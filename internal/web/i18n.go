package web

import (
	"fmt"
	"net/http"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// Locales are the languages of the UI; the first is the default.
var Locales = []string{"en", "fr"}

// localeNames are shown in the language switch, each in its own language.
var localeNames = map[string]string{"en": "English", "fr": "Français"}

var (
	localeTags    = []language.Tag{language.English, language.French} // in the order of Locales
	localeMatcher = language.NewMatcher(localeTags)
)

// pluralForms name the CLDR plural categories as message keys end with
// them: "mentions.count.one" is the singular of "mentions.count" (the
// key itself is the "other" form).
var pluralForms = map[plural.Form]string{
	plural.Zero: "zero", plural.One: "one", plural.Two: "two", plural.Few: "few", plural.Many: "many",
}

// tr returns the message key in locale, formatted with args. When the first
// argument is a count, the key's form for that count in locale's plural
// rules is used if the locale has one ("1 mention", "0 mention" in French).
// A key missing from a locale falls back to English, then to the key
// itself, so a forgotten translation shows up as English text rather than
// an error.
func tr(locale, key string, args ...any) string {
	if len(args) > 0 {
		if n, ok := count(args[0]); ok {
			if suffix, ok := pluralForms[pluralForm(locale, n)]; ok {
				if _, ok := messages[locale][key+"."+suffix]; ok {
					key += "." + suffix
				}
			}
		}
	}
	msg, ok := messages[locale][key]
	if !ok {
		if msg, ok = messages["en"][key]; !ok {
			msg = key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

// pluralForm is n's cardinal plural category in locale.
func pluralForm(locale string, n int64) plural.Form {
	tag := language.Make(locale)
	if n < 0 {
		n = -n
	}
	if n > 1<<31-1 { // MatchPlural takes an int; large counts are "other" in our locales
		return plural.Other
	}
	return plural.Cardinal.MatchPlural(tag, int(n), 0, 0, 0, 0)
}

func count(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	case int32:
		return int64(n), true
	case shownCount:
		return int64(n.n), true
	}
	return 0, false
}

// shownCount is a count written with the locale's digit grouping ("1 000"
// in French) that still chooses a message's plural form: its message
// takes it as %s.
type shownCount struct {
	n      int
	locale string
}

func (c shownCount) String() string { return formatInt(c.locale, c.n) }

// negotiate picks the UI language: the user's choice, else the best match
// of the browser's Accept-Language (its q-values weigh), else English.
func negotiate(userLocale string, r *http.Request) string {
	if validLocale(userLocale) {
		return userLocale
	}
	if h := r.Header.Get("Accept-Language"); h != "" {
		prefs, _, err := language.ParseAcceptLanguage(h)
		if err == nil && len(prefs) > 0 {
			if _, i, conf := localeMatcher.Match(prefs...); conf != language.No {
				return Locales[i]
			}
		}
	}
	return Locales[0]
}

func validLocale(l string) bool {
	for _, x := range Locales {
		if l == x {
			return true
		}
	}
	return false
}
