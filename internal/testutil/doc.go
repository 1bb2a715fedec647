// Package testutil holds helpers shared by tests of several packages. It is
// imported only from _test.go files and never by production code.
package testutil
