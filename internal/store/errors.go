package store

import "strings"

// driverError is a database error translated to a domain error (kind:
// vigie.ErrConflict, ErrInvalid…). Its Error keeps the driver's text, for
// the log; PublicMessage shows public in its place, for clients, who
// must not read table, column or constraint names.
type driverError struct {
	kind   error
	public string // what it means, in words a client may read
	err    error  // the driver's error
}

func (e *driverError) Error() string {
	return e.kind.Error() + ": " + e.public + " (" + e.err.Error() + ")"
}
func (e *driverError) Unwrap() []error { return []error{e.kind, e.err} }

func newDriverError(kind error, public string, err error) error {
	return &driverError{kind: kind, public: public, err: err}
}

// PublicMessage is err's message with every database driver's text it wraps
// replaced by what it means ("create monitor "m1": conflict: already
// exists"), safe to show API and web clients; log err itself.
func PublicMessage(err error) string {
	msg := err.Error()
	for _, de := range driverErrors(err) {
		msg = strings.Replace(msg, de.Error(), de.kind.Error()+": "+de.public, 1)
	}
	return msg
}

// driverErrors lists the driverErrors in err's tree.
func driverErrors(err error) []*driverError {
	var out []*driverError
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		if de, ok := err.(*driverError); ok {
			out = append(out, de)
			return
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		}
	}
	walk(err)
	return out
}

// Public texts of the translated driver errors.
const (
	publicConflict   = "already exists"
	publicForeignKey = "refers to something that does not exist"
	publicMissing    = "a required value is missing"
	publicCheck      = "a value is out of range"
	publicBadValue   = "a value has the wrong form"
)
