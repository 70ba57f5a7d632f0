package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// maxLine bounds one JSON line; a longer line is reported and skipped.
const maxLine = 16 << 20

// lineReader reads JSON Lines with their 1-based numbers, skipping blank lines.
type lineReader struct {
	r    *bufio.Reader
	line int
	buf  []byte
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 1<<20)}
}

var errLineTooLong = fmt.Errorf("line longer than %d MB", maxLine>>20)

// next returns the next non-blank line (valid until the next call) and its
// number. A line over maxLine is returned as errLineTooLong with its number;
// reading can continue after it. At the end it returns io.EOF.
func (lr *lineReader) next() ([]byte, int, error) {
	for {
		lr.buf = lr.buf[:0]
		tooLong := false
		for {
			chunk, err := lr.r.ReadSlice('\n')
			if !tooLong {
				if len(lr.buf)+len(chunk) > maxLine {
					tooLong = true
					lr.buf = lr.buf[:0]
				} else {
					lr.buf = append(lr.buf, chunk...)
				}
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if err != nil && err != io.EOF {
				return nil, lr.line, err
			}
			if err == io.EOF && len(chunk) == 0 && len(lr.buf) == 0 && !tooLong {
				return nil, lr.line, io.EOF
			}
			break
		}
		lr.line++
		if tooLong {
			return nil, lr.line, errLineTooLong
		}
		b := bytes.TrimSpace(lr.buf)
		if len(b) == 0 {
			continue
		}
		return b, lr.line, nil
	}
}
