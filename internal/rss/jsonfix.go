package rss

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// JSON Feeds in the wild put a number where the spec wants a string (an
// item "id": 42, which the spec says readers must coerce), a string where
// it wants an array ("tags": "a,b"), and so on. gofeed decodes strictly and
// drops the whole feed for one such field; repairJSONFeed coerces the
// document to the shapes of the spec so that the rest of it can be read.

// kind is the JSON shape a JSON Feed field should have.
type kind int

const (
	kString kind = iota
	kStrings
	kNumber
	kBool
	kObject
	kObjects
)

type field struct {
	kind kind
	sub  map[string]field // for kObject and kObjects
}

var (
	jsonAuthor = map[string]field{
		"name": {kind: kString}, "url": {kind: kString}, "avatar": {kind: kString},
	}
	jsonAttachment = map[string]field{
		"url": {kind: kString}, "mime_type": {kind: kString}, "title": {kind: kString},
		"size_in_bytes": {kind: kNumber}, "duration_in_seconds": {kind: kNumber},
	}
	jsonItem = map[string]field{
		"id": {kind: kString}, "url": {kind: kString}, "external_url": {kind: kString},
		"title": {kind: kString}, "content_html": {kind: kString}, "content_text": {kind: kString},
		"summary": {kind: kString}, "image": {kind: kString}, "banner_image": {kind: kString},
		"date_published": {kind: kString}, "date_modified": {kind: kString}, "language": {kind: kString},
		"tags":        {kind: kStrings},
		"author":      {kind: kObject, sub: jsonAuthor},
		"authors":     {kind: kObjects, sub: jsonAuthor},
		"attachments": {kind: kObjects, sub: jsonAttachment},
	}
	jsonFeed = map[string]field{
		"version": {kind: kString}, "title": {kind: kString}, "home_page_url": {kind: kString},
		"feed_url": {kind: kString}, "description": {kind: kString}, "user_comment": {kind: kString},
		"next_url": {kind: kString}, "icon": {kind: kString}, "favicon": {kind: kString},
		"language": {kind: kString},
		"expired":  {kind: kBool},
		"author":   {kind: kObject, sub: jsonAuthor},
		"authors":  {kind: kObjects, sub: jsonAuthor},
		"items":    {kind: kObjects, sub: jsonItem},
	}
)

// repairJSONFeed returns data with every known field coerced to its spec
// shape (or removed), or false when data is not a JSON object.
func repairJSONFeed(data []byte) ([]byte, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil || doc == nil {
		return nil, false
	}
	fixObject(doc, jsonFeed)
	out, err := json.Marshal(doc)
	return out, err == nil
}

func fixObject(obj map[string]any, schema map[string]field) {
	for k, v := range obj {
		f, ok := schema[k]
		if !ok {
			continue
		}
		if fixed, ok := fix(v, f); ok {
			obj[k] = fixed
		} else {
			delete(obj, k)
		}
	}
}

// fix coerces v to f's kind; false means drop the field.
func fix(v any, f field) (any, bool) {
	if v == nil {
		return nil, false
	}
	switch f.kind {
	case kString:
		switch v := v.(type) {
		case string:
			return v, true
		case json.Number:
			return v.String(), true
		case bool:
			return strconv.FormatBool(v), true
		}
	case kStrings:
		switch v := v.(type) {
		case []any:
			out := make([]any, 0, len(v))
			for _, e := range v {
				if s, ok := fix(e, field{kind: kString}); ok {
					out = append(out, s)
				}
			}
			return out, true
		case string:
			var out []any
			for _, s := range strings.Split(v, ",") {
				if s = strings.TrimSpace(s); s != "" {
					out = append(out, s)
				}
			}
			return out, len(out) > 0
		}
	case kNumber:
		var s string
		switch v := v.(type) {
		case json.Number:
			s = v.String()
		case string:
			s = strings.TrimSpace(v)
		default:
			return nil, false
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, true
		}
		if x, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(x, 0) && !math.IsNaN(x) && math.Abs(x) < 1<<62 {
			return int64(x), true
		}
	case kBool:
		b, ok := v.(bool)
		return b, ok
	case kObject:
		switch v := v.(type) {
		case string: // "author": "Jane Doe"
			if _, ok := f.sub["name"]; ok && strings.TrimSpace(v) != "" {
				return map[string]any{"name": v}, true
			}
		case map[string]any:
			fixObject(v, f.sub)
			return v, true
		case []any: // an array where one object was expected: its first
			for _, e := range v {
				if o, ok := e.(map[string]any); ok {
					fixObject(o, f.sub)
					return o, true
				}
			}
		}
	case kObjects:
		switch v := v.(type) {
		case []any:
			out := make([]any, 0, len(v))
			for _, e := range v {
				if o, ok := e.(map[string]any); ok {
					fixObject(o, f.sub)
					out = append(out, o)
				}
			}
			return out, true
		case map[string]any: // one object where an array was expected
			fixObject(v, f.sub)
			return []any{v}, true
		case string: // "authors": "Jane Doe"
			if o, ok := fix(v, field{kind: kObject, sub: f.sub}); ok {
				return []any{o}, true
			}
		}
	}
	return nil, false
}
