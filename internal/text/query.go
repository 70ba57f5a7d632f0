package text

import (
	"unicode/utf8"
)

// Piece is one word of a query, folded as post words are.
type Piece struct {
	Fold string // case folded
	Kept string // case kept, for case-sensitive words
}

// SplitQuery splits query text into words exactly as post text is split, so a
// query word like "l'EPFL" or "ETH-Zürich" becomes the words a post would have.
// With wildcards set, '*' and '?' are kept inside words as pattern characters.
func SplitQuery(s string, wildcards bool) []Piece {
	var out []Piece
	var f, k []byte
	flush := func() {
		if len(f) > 0 {
			out = append(out, Piece{Fold: string(f), Kept: string(k)})
			f, k = f[:0], k[:0]
		}
	}
	for _, r := range s {
		if r < utf8.RuneSelf {
			c := byte(r)
			switch {
			case isASCIIAlnum(c) || wildcards && (c == '*' || c == '?'):
				k = append(k, c)
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				f = append(f, c)
			default:
				flush()
			}
			continue
		}
		e := lookup(r)
		switch e.class {
		case classWord:
			f = append(f, e.fold...)
			k = append(k, e.kept...)
		case classSingle:
			flush()
			out = append(out, Piece{Fold: e.fold, Kept: e.kept})
		case classIgnore:
		case classSep:
			flush()
		case classMixed:
			kr := []rune(e.kept)
			for i, fr := range []rune(e.fold) {
				kk := fr
				if i < len(kr) {
					kk = kr[i]
				}
				switch {
				case isSingleScript(fr):
					flush()
					out = append(out, Piece{Fold: string(fr), Kept: string(kk)})
				case isWordRune(fr):
					f = utf8.AppendRune(f, fr)
					k = utf8.AppendRune(k, kk)
				default:
					flush()
				}
			}
		}
	}
	flush()
	return out
}

// FoldTag folds the body of a hashtag or mention handle written in a query
// (without '#' or '@'), as the post analysis does. It reports false if the
// body holds a character that cannot be part of a tag.
func FoldTag(body string) (string, bool) {
	var b []byte
	alnum := false
	for _, r := range body {
		if r < utf8.RuneSelf {
			c := byte(r)
			switch {
			case isASCIIAlnum(c):
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				b = append(b, c)
				alnum = true
			case c == '_':
				b = append(b, c)
			default:
				return "", false
			}
			continue
		}
		e := lookup(r)
		switch e.class {
		case classWord, classSingle:
			b = append(b, e.fold...)
			alnum = true
		case classIgnore:
		default:
			return "", false
		}
	}
	return string(b), alnum
}
