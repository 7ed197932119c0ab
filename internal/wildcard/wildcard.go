// Package wildcard matches strings against patterns with two wildcards: one
// that stands for any run of characters (IAM's *, SQL LIKE's %) and one for
// any single byte (? and _).
package wildcard

// Match reports whether s matches pattern, in which many stands for any run
// of bytes and one for any single byte. It runs in O(len(s)·len(pattern))
// at worst, backtracking only to the last many.
func Match(pattern, s string, many, one byte) bool {
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(s) {
		switch {
		case pi < len(pattern) && pattern[pi] == many:
			// Before the literal case: a many in s is not matched by
			// the many of the pattern as a character.
			star, mark = pi, si
			pi++
		case pi < len(pattern) && (pattern[pi] == one || pattern[pi] == s[si]):
			pi++
			si++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(pattern) && pattern[pi] == many {
		pi++
	}
	return pi == len(pattern)
}
