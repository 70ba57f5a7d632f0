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
		return fmt.Errorf("%w: %s", vigie.ErrConflict, e.Message)
	case "23503": // foreign_key_violation
		return fmt.Errorf("%w: refers to a row that does not exist: %s", vigie.ErrInvalid, e.Message)
	case "23502", "23514", "22P02": // not_null_violation, check_violation, invalid_text_representation
		return fmt.Errorf("%w: %s", vigie.ErrInvalid, e.Message)
	}
	return err
}

// retryablePostgres reports a deadlock or serialisation failure.
func retryablePostgres(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && (e.Code == "40P01" || e.Code == "40001")
}
