package postgres

import (
	"fmt"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/store"
)

// metaColumns are the columns every order-management table has for
// store.Meta, in the order of metaArgs and metaDest.dest.
const metaColumns = `created_at, trace_id, client_id, system_name, system_version, system_plugin_name, system_plugin_version`

// metaArgs returns the values of metaColumns and the time stored; a zero
// CreatedAt becomes now. PostgreSQL keeps microseconds: finer digits are
// dropped on the way in.
func metaArgs(m store.Meta, now func() time.Time) ([]any, time.Time, error) {
	t := m.CreatedAt
	if t.IsZero() {
		t = now()
	}
	// timestamptz reaches further, but times outside the years 1 to 9999
	// have no RFC 3339 form and are a caller's mistake.
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		return nil, time.Time{}, fmt.Errorf("Meta.CreatedAt %s is outside the years 1 to 9999: %w", t, api.ErrInvalid)
	}
	t = t.UTC().Truncate(time.Microsecond)
	return []any{t, m.TraceID, m.ClientID, m.System.Name, m.System.Version, m.System.PluginName, m.System.PluginVersion}, t, nil
}

// metaDest scans metaColumns. Its fields are pointers because GetOrder
// reads them through outer joins, where an absent part is NULL.
type metaDest struct {
	createdAt                                *time.Time
	traceID, clientID                        *string
	name, version, pluginName, pluginVersion *string
}

func (d *metaDest) dest() []any {
	return []any{&d.createdAt, &d.traceID, &d.clientID, &d.name, &d.version, &d.pluginName, &d.pluginVersion}
}

func (d *metaDest) meta() store.Meta {
	m := store.Meta{
		TraceID:  deref(d.traceID),
		ClientID: deref(d.clientID),
		System: store.System{
			Name:          deref(d.name),
			Version:       deref(d.version),
			PluginName:    deref(d.pluginName),
			PluginVersion: deref(d.pluginVersion),
		},
	}
	if d.createdAt != nil {
		// pgx returns timestamptz in the local zone; the store promises UTC.
		m.CreatedAt = d.createdAt.UTC()
	}
	return m
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
