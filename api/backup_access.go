package api

// The /v1/backup/ routes are admin routes: only the admin role (or every
// authenticated caller with Config.AdminAPI), like raftvec's other /v1/
// routes.
func init() {
	for _, verb := range []string{"create", "list", "describe", "restore", "delete"} {
		routePrivileges["/v1/backup/"+verb] = adminRole
	}
}
