package expr

import (
	"errors"
	"strings"
)

func asError(err error, e **Error) bool { return errors.As(err, e) }

func contains(s, sub string) bool { return strings.Contains(s, sub) }
