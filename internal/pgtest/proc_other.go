//go:build unix && !linux

package pgtest

import "syscall"

// sysProcAttr runs a PostgreSQL command as cred (nil: the current user).
func sysProcAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	if cred == nil {
		return nil
	}
	return &syscall.SysProcAttr{Credential: cred}
}
