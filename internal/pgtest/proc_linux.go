package pgtest

import "syscall"

// sysProcAttr runs a PostgreSQL command as cred (nil: the current user), in
// its own process group so that signals to the test do not reach it, and
// stops the server with an immediate shutdown if the test process dies
// without closing it.
func sysProcAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: cred, Setpgid: true, Pdeathsig: syscall.SIGQUIT}
}
