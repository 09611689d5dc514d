package sqlite

import (
	"database/sql"
	"fmt"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/store"
)

// metaColumns are the columns every table has for store.Meta, in the order
// of metaArgs and metaDest.dest.
const metaColumns = `created_at, trace_id, client_id, system_name, system_version, system_plugin_name, system_plugin_version`

// Times are stored as Unix nanoseconds, which sort and compare as integers
// but only reach from 1678 to 2262.
var (
	minTime = time.Unix(0, -1<<63).UTC()
	maxTime = time.Unix(0, 1<<63-1).UTC()
)

// metaArgs returns the values of metaColumns; a zero CreatedAt becomes now.
func metaArgs(m store.Meta, now func() time.Time) ([]any, error) {
	t := m.CreatedAt
	if t.IsZero() {
		t = now()
	}
	if t.Before(minTime) || t.After(maxTime) {
		return nil, fmt.Errorf("Meta.CreatedAt %s is outside the years 1678 to 2262: %w", t.Format(time.RFC3339), api.ErrInvalid)
	}
	return []any{t.UnixNano(), m.TraceID, m.ClientID, m.System.Name, m.System.Version, m.System.PluginName, m.System.PluginVersion}, nil
}

// metaDest scans metaColumns. Its fields are nullable because GetOrder reads
// them through outer joins.
type metaDest struct {
	createdAt                                sql.Null[int64]
	traceID, clientID                        sql.Null[string]
	name, version, pluginName, pluginVersion sql.Null[string]
}

func (d *metaDest) dest() []any {
	return []any{&d.createdAt, &d.traceID, &d.clientID, &d.name, &d.version, &d.pluginName, &d.pluginVersion}
}

func (d *metaDest) meta() store.Meta {
	return store.Meta{
		CreatedAt: time.Unix(0, d.createdAt.V).UTC(),
		TraceID:   d.traceID.V,
		ClientID:  d.clientID.V,
		System: store.System{
			Name:          d.name.V,
			Version:       d.version.V,
			PluginName:    d.pluginName.V,
			PluginVersion: d.pluginVersion.V,
		},
	}
}
