package server

// RouteInfo is what tests outside the package see of a route.
type RouteInfo struct {
	Operation, Method, Path string
	Auth                    bool
	Limit                   int64
}

// RouteTable lists the routes of the HTTP surface for tests.
func RouteTable() []RouteInfo {
	var out []RouteInfo
	for _, rt := range (&Server{}).routeTable() {
		out = append(out, RouteInfo{Operation: rt.operation, Method: rt.method, Path: rt.path, Auth: rt.auth, Limit: rt.limit})
	}
	return out
}
