package postgres

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/configd/configd"
	"github.com/jackc/pgx/v5/pgconn"
)

// unavailableMessage is what a client is told while the database is
// unreachable. The code, ServiceUnavailable, is one the AWS SDKs retry
// (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html).
const unavailableMessage = "The service is unavailable. Please try again later."

// SQLSTATE codes the store acts on
// (https://www.postgresql.org/docs/current/errcodes-appendix.html).
const (
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
	codeUniqueViolation      = "23505"
	codeAdminShutdown        = "57P01"
	codeCrashShutdown        = "57P02"
	codeCannotConnectNow     = "57P03"
	codeTooManyConnections   = "53300"
)

// mapError turns an error of the driver that says the database cannot be
// reached into a *configd.Error with code ErrServiceUnavailable and the
// driver's error as Cause; it returns any other error unchanged. An error
// that comes from ctx being done is left as it is.
func mapError(ctx context.Context, err error) error {
	if err == nil || ctx.Err() != nil {
		return err
	}
	var ce *configd.Error
	if errors.As(err, &ce) {
		return err
	}
	if isConnError(err) {
		return &configd.Error{Code: configd.ErrServiceUnavailable, Message: unavailableMessage, Cause: err}
	}
	return err
}

// isConnError reports whether err says the connection to the database
// failed or was lost, or that the server refuses connections for now.
func isConnError(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case len(pgErr.Code) == 5 && pgErr.Code[:2] == "08": // connection exception
			return true
		case pgErr.Code == codeAdminShutdown, pgErr.Code == codeCrashShutdown,
			pgErr.Code == codeCannotConnectNow, pgErr.Code == codeTooManyConnections:
			return true
		}
		return false
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	switch {
	case errors.As(err, &connectErr),
		errors.Is(err, pgconn.ErrConnClosed),
		errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, net.ErrClosed),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE),
		errors.As(err, &netErr):
		return true
	}
	return false
}

// isRetryable reports whether err is a serialization failure or a deadlock:
// the database aborted the transaction, and running it again may succeed.
func isRetryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == codeSerializationFailure || pgErr.Code == codeDeadlockDetected)
}

// isUniqueViolation reports whether err is a violation of the unique index
// or constraint named constraint.
func isUniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == codeUniqueViolation && pgErr.ConstraintName == constraint
}
