package relay

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/ordermgmt/ordermgmt/internal/app"
	"github.com/ordermgmt/ordermgmt/internal/config"
	"github.com/ordermgmt/ordermgmt/internal/server"
	"github.com/ordermgmt/ordermgmt/internal/store"
)

// Running is a started relay: the server with its outbox and the workers.
type Running struct {
	*app.App
	Relay *Relay
	// Outbox is the outbox of the relay's store.
	Outbox store.Outbox

	cancel context.CancelFunc
	done   chan struct{}
}

// Start starts the server of cfg with its outbox on and rc's workers
// delivering it upstream, until Shutdown.
func Start(ctx context.Context, cfg config.Config, rc Config, log *slog.Logger) (*Running, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	run := &Running{done: make(chan struct{})}
	a, err := app.StartWith(ctx, cfg, log, app.Extension{
		Outbox: true,
		Setup: func(st store.Store) (store.Store, []server.Route, func(http.Handler) http.Handler, error) {
			ob, ok := st.(store.Outbox)
			if !ok {
				return nil, nil, nil, fmt.Errorf("relay: store %T keeps no outbox", st)
			}
			r, err := New(rc, st, ob, log)
			if err != nil {
				return nil, nil, nil, err
			}
			run.Relay, run.Outbox = r, ob
			return r.Store(), r.Routes(), r.Handler, nil
		},
	})
	if err != nil {
		return nil, err
	}
	run.App = a
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	run.cancel = cancel
	go func() {
		defer close(run.done)
		if err := run.Relay.Run(wctx); err != nil {
			log.Error("relay workers stopped", "error", err.Error())
		}
	}()
	return run, nil
}

// Shutdown stops the workers (an attempt in flight is abandoned and made
// again later), then the server.
func (r *Running) Shutdown(ctx context.Context) error {
	r.cancel()
	<-r.done
	return r.App.Shutdown(ctx)
}
