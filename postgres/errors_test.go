package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/configd/configd"
	"github.com/jackc/pgx/v5/pgconn"
)

func TestMapError(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	inUse := configd.Errorf(configd.ErrResourceInUse, "in use")
	for _, c := range []struct {
		name string
		err  error
		want string // ErrorCode of the mapped error
	}{
		{"OKConnectionRefused", fmt.Errorf("begin: %w", refused), configd.ErrServiceUnavailable},
		{"OKUnexpectedEOF", fmt.Errorf("receive: %w", io.ErrUnexpectedEOF), configd.ErrServiceUnavailable},
		{"OKConnClosed", fmt.Errorf("query: %w", pgconn.ErrConnClosed), configd.ErrServiceUnavailable},
		{"OKReset", syscall.ECONNRESET, configd.ErrServiceUnavailable},
		{"OKAdminShutdown", &pgconn.PgError{Code: codeAdminShutdown}, configd.ErrServiceUnavailable},
		{"OKConnectionFailure", &pgconn.PgError{Code: "08006"}, configd.ErrServiceUnavailable},
		{"OKTooManyConnections", &pgconn.PgError{Code: codeTooManyConnections}, configd.ErrServiceUnavailable},
		{"ErrUniqueViolation", &pgconn.PgError{Code: codeUniqueViolation}, configd.ErrInternalFailure},
		{"ErrSyntax", &pgconn.PgError{Code: "42601"}, configd.ErrInternalFailure},
		{"ErrPlain", errors.New("decode: bad JSON"), configd.ErrInternalFailure},
		{"ErrCanceled", fmt.Errorf("query: %w", context.Canceled), configd.ErrInternalFailure},
		{"ErrAlreadyCoded", inUse, configd.ErrResourceInUse},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := mapError(context.Background(), c.err)
			if code := configd.ErrorCode(got); code != c.want {
				t.Errorf("mapError(%v): code %s, want %s", c.err, code, c.want)
			}
			if !errors.Is(got, c.err) {
				t.Errorf("mapError(%v) = %v: the driver's error is not its cause", c.err, got)
			}
		})
	}
	t.Run("ErrContextDone", func(t *testing.T) {
		// A request whose context ended is not told to retry.
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if got := mapError(ctx, refused); configd.ErrorCode(got) == configd.ErrServiceUnavailable {
			t.Errorf("mapError with a canceled context: %v, want the error unchanged", got)
		}
	})
}

func TestIsRetryable(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"OKSerialization", fmt.Errorf("x: %w", &pgconn.PgError{Code: codeSerializationFailure}), true},
		{"OKDeadlock", &pgconn.PgError{Code: codeDeadlockDetected}, true},
		{"ErrUnique", &pgconn.PgError{Code: codeUniqueViolation}, false},
		{"ErrOther", io.EOF, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := isRetryable(c.err); got != c.want {
				t.Errorf("isRetryable(%v) = %v, want %v", c.err, got, c.want)
			}
		})
	}
}
