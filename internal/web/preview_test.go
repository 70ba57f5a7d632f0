package web

import "testing"

func TestParsePreview(t *testing.T) {
	p := parsePreview(`<html><head><title>Fallback</title>
<meta property="og:title" content="Valmont opens &amp; a centre">
<meta content='The robotics centre opens.' name="og:description">
<meta name="description" content="ignored"></head></html>`)
	if p.Title != "Valmont opens & a centre" || p.Description != "The robotics centre opens." {
		t.Errorf("%+v", p)
	}
	p = parsePreview(`<title> Only   a title </title><meta name="description" content="Plain description">`)
	if p.Title != "Only a title" || p.Description != "Plain description" {
		t.Errorf("%+v", p)
	}
}
