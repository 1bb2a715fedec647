package console

import "embed"

// Files are the console's files, under static/.
//
//go:embed static
var Files embed.FS
