package ngram

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// FNV-1a over rune values, then a 64-bit finaliser for table slots.
const (
	HashSeed  uint64 = 0xcbf29ce484222325
	hashPrime uint64 = 0x100000001b3
)

// HashStep extends the hash h of an n-gram by one rune.
func HashStep(h uint64, r rune) uint64 { return (h ^ uint64(r)) * hashPrime }

// Mix finalises an n-gram hash.
func Mix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// HashString returns Mix of the hash of an n-gram given as a string.
func HashString(s string) uint64 {
	h := HashSeed
	for _, r := range s {
		h = HashStep(h, r)
	}
	return Mix(h)
}

// Table holds the n-grams of one script and, for each, one code per
// language: 0 = the language never shows it, else round(-ln P / Step) where
// P is the probability of the n-gram's last letter given the letters before
// it (for unigrams, of the letter), clipped to 1..255.
type Table struct {
	Script Script
	Langs  []string
	Grams  []string // sorted by rune length, then bytes
	Codes  []uint8  // len(Grams)*len(Langs), row-major
}

// Model is what model.bin holds.
type Model struct {
	Params map[string]string // tuning knobs, read by the detector
	Tables []Table
}

const magic = "VIGIE-LANG 1\n"

// Encode writes m compressed; the output depends only on m.
func (m *Model) Encode(w io.Writer) error {
	var raw bytes.Buffer
	raw.WriteString(magic)
	keys := make([]string, 0, len(m.Params))
	for k := range m.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&raw, "param %s %s\n", k, m.Params[k])
	}
	for _, t := range m.Tables {
		fmt.Fprintf(&raw, "table %s %d %s\n", t.Script, len(t.Grams), strings.Join(t.Langs, " "))
	}
	raw.WriteString("end\n")
	var tmp [binary.MaxVarintLen64]byte
	for _, t := range m.Tables {
		if len(t.Codes) != len(t.Grams)*len(t.Langs) {
			return fmt.Errorf("table %s: %d codes for %d grams × %d langs", t.Script, len(t.Codes), len(t.Grams), len(t.Langs))
		}
		// front-coded n-grams
		prev := ""
		for _, g := range t.Grams {
			p := 0
			for p < len(prev) && p < len(g) && prev[p] == g[p] {
				p++
			}
			raw.Write(tmp[:binary.PutUvarint(tmp[:], uint64(p))])
			raw.Write(tmp[:binary.PutUvarint(tmp[:], uint64(len(g)-p))])
			raw.WriteString(g[p:])
			prev = g
		}
		// codes column-major: they compress better
		nl := len(t.Langs)
		for l := 0; l < nl; l++ {
			for i := range t.Grams {
				raw.WriteByte(t.Codes[i*nl+l])
			}
		}
	}
	fw, err := flate.NewWriter(w, flate.BestCompression)
	if err != nil {
		return err
	}
	if _, err := fw.Write(raw.Bytes()); err != nil {
		return err
	}
	return fw.Close()
}

// Decode reads a model written by Encode.
func Decode(data []byte) (*Model, error) {
	r := bufio.NewReaderSize(flate.NewReader(bytes.NewReader(data)), 1<<16)
	line, err := r.ReadString('\n')
	if err != nil || line != magic {
		return nil, errors.New("lang model: bad magic")
	}
	m := &Model{Params: map[string]string{}}
	var counts []int
	for {
		line, err = r.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("lang model header: %w", err)
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if f[0] == "end" {
			break
		}
		switch f[0] {
		case "param":
			if len(f) != 3 {
				return nil, fmt.Errorf("lang model: bad line %q", line)
			}
			m.Params[f[1]] = f[2]
		case "table":
			if len(f) < 4 {
				return nil, fmt.Errorf("lang model: bad line %q", line)
			}
			sc, ok := ParseScript(f[1])
			if !ok {
				return nil, fmt.Errorf("lang model: unknown script %q", f[1])
			}
			n, err := strconv.Atoi(f[2])
			if err != nil || n < 0 {
				return nil, fmt.Errorf("lang model: bad line %q", line)
			}
			m.Tables = append(m.Tables, Table{Script: sc, Langs: f[3:]})
			counts = append(counts, n)
		default:
			return nil, fmt.Errorf("lang model: bad line %q", line)
		}
	}
	for ti := range m.Tables {
		t := &m.Tables[ti]
		n := counts[ti]
		t.Grams = make([]string, n)
		prev := []byte{}
		for i := 0; i < n; i++ {
			p, err := binary.ReadUvarint(r)
			if err != nil {
				return nil, err
			}
			s, err := binary.ReadUvarint(r)
			if err != nil {
				return nil, err
			}
			if p > uint64(len(prev)) || s > 64 {
				return nil, errors.New("lang model: corrupt n-gram")
			}
			g := make([]byte, int(p)+int(s))
			copy(g, prev[:p])
			if _, err := io.ReadFull(r, g[p:]); err != nil {
				return nil, err
			}
			t.Grams[i] = string(g)
			prev = g
		}
		nl := len(t.Langs)
		col := make([]byte, n)
		t.Codes = make([]uint8, n*nl)
		for l := 0; l < nl; l++ {
			if _, err := io.ReadFull(r, col); err != nil {
				return nil, err
			}
			for i, c := range col {
				t.Codes[i*nl+l] = c
			}
		}
	}
	return m, nil
}
