package web

import (
	"fmt"
	"net/http"
	"strings"
)

// Locales are the languages of the UI; the first is the default.
var Locales = []string{"en", "fr"}

// localeNames are shown in the language switch, each in its own language.
var localeNames = map[string]string{"en": "English", "fr": "Français"}

// tr returns the message key in locale, formatted with args. A key missing
// from a locale falls back to English, then to the key itself, so a
// forgotten translation shows up as English text rather than an error.
func tr(locale, key string, args ...any) string {
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

// negotiate picks the UI language: the user's choice, else the browser's
// first supported language (Accept-Language), else English.
func negotiate(userLocale string, r *http.Request) string {
	if validLocale(userLocale) {
		return userLocale
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		primary, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if validLocale(primary) {
			return primary
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
