package store

import (
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"github.com/vigie-project/vigie"
)

func openPostgres(u string) (*Store, error) {
	db, err := sql.Open("pgx", u)
	if err != nil {
		return nil, fmt.Errorf("open postgres database: %w", err)
	}
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(8)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return newStore(db, Postgres), nil
}

// translatePostgres maps PostgreSQL's SQLSTATE codes to the domain errors.
func translatePostgres(err error) error {
	var e *pgconn.PgError
	if !errors.As(err, &e) {
		return err
	}
	switch e.Code {
	case "23505": // unique_violation
		return newDriverError(vigie.ErrConflict, publicConflict, err)
	case "23503": // foreign_key_violation
		return newDriverError(vigie.ErrInvalid, publicForeignKey, err)
	case "23502": // not_null_violation
		return newDriverError(vigie.ErrInvalid, publicMissing, err)
	case "23514": // check_violation
		return newDriverError(vigie.ErrInvalid, publicCheck, err)
	case "22P02": // invalid_text_representation
		return newDriverError(vigie.ErrInvalid, publicBadValue, err)
	}
	return err
}

// retryablePostgres reports a deadlock or serialisation failure.
func retryablePostgres(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && (e.Code == "40P01" || e.Code == "40001")
}
