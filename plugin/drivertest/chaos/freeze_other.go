//go:build !unix

package chaos

// freezeSelf has no SIGSTOP to send here; blocking the call for good is the
// nearest thing.
func freezeSelf() { select {} }
