package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"sync/atomic"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
)

// Group commit.
//
// A durable commit costs an fsync of the WAL, which takes far longer than
// the insert it makes durable. So writes are not committed one by one:
// callers queue them, and one writer goroutine runs everything queued so
// far in a single transaction and commits it with one fsync. While that
// fsync runs, the next writes queue up and become the next batch. Nothing
// waits for a batch to fill: a lone write is committed at once.
//
// Each write runs inside its own SAVEPOINT, so a write that fails (a
// second receipt for an order, say) is undone alone and its caller gets
// its own error, while the others in the batch commit. A write of one
// statement needs no savepoint: SQLite undoes a statement that breaks a
// constraint by itself and keeps the transaction (see writeOne). Every
// caller learns its result only after the commit, so a nil error still
// means durable.

// maxBatch bounds the writes of one transaction, so that one commit's
// WAL growth and the wait of its first caller stay bounded.
const maxBatch = 256

// writeFunc is one write: it runs its statements on tx (through
// tx.StmtContext) and returns the caller's error.
type writeFunc func(ctx context.Context, tx *sql.Tx) error

// writeOp is a queued write and where its result goes.
type writeOp struct {
	ctx  context.Context
	fn   writeFunc
	done chan error
	// oneStatement marks a write of a single statement (see writeOne).
	oneStatement bool
	// state settles a race between a caller that gives up waiting and the
	// writer that starts the write: whoever moves it from opQueued wins.
	state atomic.Int32
}

const (
	opQueued    = iota
	opStarted   // the writer runs it; its caller waits for the result
	opAbandoned // its caller's context ended first; the writer skips it
)

// start claims op for the writer; false means its caller gave up.
func (op *writeOp) start() bool { return op.state.CompareAndSwap(opQueued, opStarted) }

// write queues fn and waits for its result. Waiting until the writer
// starts it honours ctx; once started, a write runs to the end (fn gets a
// context without cancellation) so that its result is never hidden: nil
// means committed, an error means nothing of it was stored.
func (db *DB) write(ctx context.Context, fn writeFunc) error {
	return db.queueWrite(ctx, fn, false)
}

// writeOne is write for fn that runs exactly one statement and returns an
// error of kind api.ErrConflict or api.ErrInvalid only when that statement
// broke a constraint, and api.ErrNotFound only when it changed nothing.
// SQLite backs out such a statement alone and keeps the transaction, so
// the write runs without the SAVEPOINT and RELEASE that otherwise cost
// the one writer two more statements per write. Any other error may have
// ended the transaction, and the batch starts again
// without the failed write.
func (db *DB) writeOne(ctx context.Context, fn writeFunc) error {
	return db.queueWrite(ctx, fn, true)
}

func (db *DB) queueWrite(ctx context.Context, fn writeFunc, oneStatement bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	start := time.Now()
	defer func() { db.metrics.wait.Observe(time.Since(start).Seconds()) }()
	op := &writeOp{ctx: context.WithoutCancel(ctx), fn: fn, done: make(chan error, 1), oneStatement: oneStatement}
	// The read lock keeps Close from closing the queue while we send.
	db.qmu.RLock()
	if db.closed.Load() {
		db.qmu.RUnlock()
		return errClosed
	}
	select {
	case db.queue <- op:
		db.qmu.RUnlock()
	case <-ctx.Done():
		db.qmu.RUnlock()
		return ctx.Err()
	}
	select {
	case err := <-op.done:
		return err
	case <-ctx.Done():
		if op.state.CompareAndSwap(opQueued, opAbandoned) {
			return ctx.Err()
		}
		return <-op.done // already running: its result stands
	}
}

// writeLoop is the one writer goroutine. It ends when the queue is closed
// and drained.
func (db *DB) writeLoop(batchMax int) {
	defer close(db.writerDone)
	batch := make([]*writeOp, 0, batchMax)
	for op := range db.queue {
		batch = append(batch[:0], op)
	fill:
		for len(batch) < batchMax {
			select {
			case op, ok := <-db.queue:
				if !ok {
					break fill
				}
				batch = append(batch, op)
			default:
				break fill
			}
		}
		// Writes whose callers gave up are dropped before they start.
		batch = slices.DeleteFunc(batch, func(op *writeOp) bool { return !op.start() })
		for len(batch) > 0 {
			batch = db.commitBatch(batch)
		}
	}
}

// commitBatch runs ops in one transaction and delivers every result. When
// a failure ends the transaction itself, the failing write gets its error
// and the writes that were undone with it are returned, to run again.
func (db *DB) commitBatch(ops []*writeOp) (retry []*writeOp) {
	ctx := context.Background()
	tx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		err = db.storeErr("begin", err)
		for _, op := range ops {
			op.done <- err
		}
		return nil
	}
	if len(ops) == 1 {
		// Alone in its transaction: no savepoint needed.
		op := ops[0]
		if err := op.fn(op.ctx, tx); err != nil {
			_ = tx.Rollback()
			op.done <- err
			return nil
		}
		if err := tx.Commit(); err != nil {
			db.endFailedCommit()
			op.done <- db.storeErr("commit", err)
			return nil
		}
		db.commits.Add(1)
		db.metrics.batch.Observe(1)
		op.done <- nil
		return nil
	}

	results := make([]error, len(ops))
	for i, op := range ops {
		if op.oneStatement {
			results[i] = op.fn(op.ctx, tx)
			if results[i] != nil && !errors.Is(results[i], api.ErrConflict) && !errors.Is(results[i], api.ErrInvalid) && !errors.Is(results[i], api.ErrNotFound) {
				return db.abortBatch(tx, ops, i, results[i])
			}
			continue
		}
		if _, err := tx.ExecContext(ctx, "SAVEPOINT w"); err != nil {
			return db.abortBatch(tx, ops, i, db.storeErr("savepoint", err))
		}
		results[i] = op.fn(op.ctx, tx)
		if results[i] != nil {
			// Undo this write alone. If even that fails, SQLite has ended
			// the whole transaction (a full disk, an I/O error).
			if _, err := tx.ExecContext(ctx, "ROLLBACK TO w"); err != nil {
				return db.abortBatch(tx, ops, i, results[i])
			}
		}
		if _, err := tx.ExecContext(ctx, "RELEASE w"); err != nil {
			return db.abortBatch(tx, ops, i, db.storeErr("release savepoint", err))
		}
	}
	if err := tx.Commit(); err != nil {
		db.endFailedCommit()
		err = db.storeErr("commit", err)
		for i := range results {
			if results[i] == nil {
				results[i] = err
			}
		}
	} else {
		db.commits.Add(1)
		db.metrics.batch.Observe(float64(len(ops)))
	}
	for i, op := range ops {
		op.done <- results[i]
	}
	return nil
}

// endFailedCommit rolls back what a failed COMMIT may have left open: on a
// full disk SQLite keeps the transaction active, and the writer's one
// connection would carry it, with the failed writes, into the next batch.
// When SQLite has already rolled back, the ROLLBACK fails harmlessly.
func (db *DB) endFailedCommit() {
	_, _ = db.writer.ExecContext(context.Background(), "ROLLBACK")
}

// abortBatch rolls back a transaction that write i could not finish,
// gives write i err, and returns the other writes to run again: none of
// them has been committed.
func (db *DB) abortBatch(tx *sql.Tx, ops []*writeOp, i int, err error) []*writeOp {
	_ = tx.Rollback()
	ops[i].done <- err
	retry := make([]*writeOp, 0, len(ops)-1)
	retry = append(retry, ops[:i]...)
	return append(retry, ops[i+1:]...)
}

// stopWriter closes the queue, lets the writer finish what was queued and
// waits for it.
func (db *DB) stopWriter() {
	db.qmu.Lock()
	if db.queue != nil && !db.queueClosed {
		db.queueClosed = true
		close(db.queue)
	}
	db.qmu.Unlock()
	if db.writerDone != nil {
		<-db.writerDone
	}
}
