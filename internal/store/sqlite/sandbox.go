package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/sandbox"
)

var _ sandbox.Store = (*DB)(nil)

// faultRule is what the rule column keeps: the rule without its id and
// counters, which have columns of their own.
func faultRule(f *api.Fault) ([]byte, error) {
	r := *f
	r.FaultID, r.Fired, r.Matched, r.CreatedAt = "", 0, 0, time.Time{}
	return json.Marshal(&r)
}

// AddFault stores a rule unless msn has max rules already.
func (db *DB) AddFault(ctx context.Context, msn string, f *api.Fault, max int) error {
	rule, err := faultRule(f)
	if err != nil {
		return err
	}
	return db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		// The count and the insert are one statement, so two racing adds
		// cannot both pass the bound.
		res, err := tx.ExecContext(ctx, `INSERT INTO sandbox_faults (msn, id, rule, count, created_at)
			SELECT ?1, ?2, ?3, ?4, ?5 WHERE (SELECT count(*) FROM sandbox_faults WHERE msn = ?1) < ?6`,
			msn, f.FaultID, rule, f.Count, f.CreatedAt.UnixNano(), max)
		if err != nil {
			if isUnique(err) {
				return fmt.Errorf("fault rule %s: %w", f.FaultID, api.ErrConflict)
			}
			return db.storeErr("add fault", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("merchant %s has %d fault rules: %w", msn, max, api.ErrConflict)
		}
		return nil
	})
}

const faultColumns = `msn, id, rule, fired, matched, created_at`

// scanFaults reads rows of faultColumns.
func scanFaults(rows *sql.Rows) ([]sandbox.MerchantFault, error) {
	defer rows.Close()
	var out []sandbox.MerchantFault
	for rows.Next() {
		var (
			mf   sandbox.MerchantFault
			rule []byte
			at   int64
		)
		if err := rows.Scan(&mf.MSN, &mf.Fault.FaultID, &rule, &mf.Fault.Fired, &mf.Fault.Matched, &at); err != nil {
			return nil, err
		}
		id, fired, matched := mf.Fault.FaultID, mf.Fault.Fired, mf.Fault.Matched
		if err := json.Unmarshal(rule, &mf.Fault); err != nil {
			return nil, fmt.Errorf("fault rule %s: %w", id, err)
		}
		mf.Fault.FaultID, mf.Fault.Fired, mf.Fault.Matched = id, fired, matched
		mf.Fault.CreatedAt = time.Unix(0, at).UTC()
		out = append(out, mf)
	}
	return out, rows.Err()
}

// Faults lists msn's rules in the order they were added.
func (db *DB) Faults(ctx context.Context, msn string) ([]api.Fault, error) {
	if db.closed.Load() {
		return nil, errClosed
	}
	rows, err := db.reader.QueryContext(ctx, `SELECT `+faultColumns+` FROM sandbox_faults WHERE msn = ? ORDER BY seq`, msn)
	if err != nil {
		return nil, db.storeErr("list faults", err)
	}
	mfs, err := scanFaults(rows)
	if err != nil {
		return nil, db.storeErr("list faults", err)
	}
	out := make([]api.Fault, len(mfs))
	for i := range mfs {
		out[i] = mfs[i].Fault
	}
	return out, nil
}

// ActiveFaults lists the rules of every merchant that are not spent.
func (db *DB) ActiveFaults(ctx context.Context) ([]sandbox.MerchantFault, error) {
	if db.closed.Load() {
		return nil, errClosed
	}
	rows, err := db.reader.QueryContext(ctx, `SELECT `+faultColumns+` FROM sandbox_faults WHERE count = 0 OR fired < count ORDER BY seq`)
	if err != nil {
		return nil, db.storeErr("list faults", err)
	}
	out, err := scanFaults(rows)
	if err != nil {
		return nil, db.storeErr("list faults", err)
	}
	return out, nil
}

// DeleteFault removes one rule, or is api.ErrNotFound.
func (db *DB) DeleteFault(ctx context.Context, msn, id string) error {
	return db.writeOne(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sandbox_faults WHERE msn = ? AND id = ?`, msn, id)
		if err != nil {
			return db.storeErr("delete fault", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("fault rule %s of merchant %s: %w", id, msn, api.ErrNotFound)
		}
		return nil
	})
}

// DeleteFaults removes all of msn's rules.
func (db *DB) DeleteFaults(ctx context.Context, msn string) (int64, error) {
	var n int64
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sandbox_faults WHERE msn = ?`, msn)
		if err != nil {
			return db.storeErr("delete faults", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}

// DrawFault counts a match and returns the count so far.
func (db *DB) DrawFault(ctx context.Context, msn, id string) (int64, error) {
	var n int64
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `UPDATE sandbox_faults SET matched = matched + 1 WHERE msn = ? AND id = ? RETURNING matched`, msn, id).Scan(&n)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("fault rule %s of merchant %s: %w", id, msn, api.ErrNotFound)
		case err != nil:
			return db.storeErr("draw fault", err)
		}
		return nil
	})
	return n, err
}

// FireFault counts a firing unless the rule is spent (or gone).
func (db *DB) FireFault(ctx context.Context, msn, id string) (bool, error) {
	var fired bool
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sandbox_faults SET fired = fired + 1 WHERE msn = ? AND id = ? AND (count = 0 OR fired < count)`, msn, id)
		if err != nil {
			return db.storeErr("fire fault", err)
		}
		n, _ := res.RowsAffected()
		fired = n == 1
		return nil
	})
	return fired, err
}

const (
	insertJournalSQL = `INSERT INTO sandbox_journal (msn, first_seq, id, last_seq, count, entries) VALUES (?, ?, ?, ?, ?, ?)`
	// countJournalSQL adds a merchant's new entries to its count.
	countJournalSQL = `INSERT INTO sandbox_journal_counts (msn, entries) VALUES (?1, ?2)
		ON CONFLICT (msn) DO UPDATE SET entries = entries + excluded.entries RETURNING entries`
	oldestPagesSQL  = `SELECT rowid, count FROM sandbox_journal WHERE msn = ? ORDER BY first_seq, id LIMIT ?`
	deletePageSQL   = `DELETE FROM sandbox_journal WHERE rowid = ?`
	journalPagesSQL = `SELECT first_seq, id, last_seq, count, entries FROM sandbox_journal
		WHERE msn = ? AND first_seq < ? AND last_seq > ? ORDER BY first_seq DESC, id DESC LIMIT ?`
)

// trimChunk is how many of the oldest pages a trim reads at a time.
const trimChunk = 64

// AppendJournal stores pages in one write of the journal's file and trims
// each merchant's ring by the rule of sandbox.Trim, reading only the pages
// it deletes.
func (db *DB) AppendJournal(ctx context.Context, pages []sandbox.Page, keep int) error {
	if len(pages) == 0 {
		return nil
	}
	msns, added := sandbox.MerchantEntries(pages)
	r := db.requests
	return db.writeRequests(ctx, "append journal", func(tx *sql.Tx) error {
		insert, count := tx.StmtContext(ctx, r.insert), tx.StmtContext(ctx, r.count)
		for _, p := range pages {
			if _, err := insert.ExecContext(ctx, p.MSN, p.First, p.ID, p.Last, p.Count, p.Data); err != nil {
				return err
			}
		}
		for _, msn := range msns {
			var total int64
			if err := count.QueryRowContext(ctx, msn, added[msn]).Scan(&total); err != nil {
				return err
			}
			if total > int64(keep) {
				if err := db.trimJournal(ctx, tx, msn, total, int64(keep)); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// trimJournal deletes msn's oldest pages by sandbox.Trim and stores the
// count left.
func (db *DB) trimJournal(ctx context.Context, tx *sql.Tx, msn string, total, keep int64) error {
	oldest, del := tx.StmtContext(ctx, db.requests.oldest), tx.StmtContext(ctx, db.requests.del)
	for {
		rows, err := oldest.QueryContext(ctx, msn, trimChunk)
		if err != nil {
			return err
		}
		var ids, counts []int64
		for rows.Next() {
			var id, n int64
			if err := rows.Scan(&id, &n); err != nil {
				rows.Close()
				return err
			}
			ids, counts = append(ids, id), append(counts, n)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		var n int
		n, total = sandbox.Trim(total, keep, counts)
		for _, id := range ids[:n] {
			if _, err := del.ExecContext(ctx, id); err != nil {
				return err
			}
		}
		if n < trimChunk {
			break
		}
	}
	_, err := tx.ExecContext(ctx, `UPDATE sandbox_journal_counts SET entries = ? WHERE msn = ?`, total, msn)
	return err
}

// Journal returns up to limit of msn's pages between after and before,
// newest first.
func (db *DB) Journal(ctx context.Context, msn string, before, after int64, limit int) ([]sandbox.Page, error) {
	if err := db.readable(ctx); err != nil {
		return nil, err
	}
	if before == 0 {
		before = math.MaxInt64
	}
	rows, err := db.requests.readPage.QueryContext(ctx, msn, before, after, limit)
	if err != nil {
		return nil, db.storeErr("read journal", err)
	}
	defer rows.Close()
	out := []sandbox.Page{}
	for rows.Next() {
		p := sandbox.Page{MSN: msn}
		if err := rows.Scan(&p.First, &p.ID, &p.Last, &p.Count, &p.Data); err != nil {
			return nil, db.storeErr("read journal", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, db.storeErr("read journal", err)
	}
	return out, nil
}

// ResetMerchant deletes everything of msn's: its orders, images and fault
// rules in one transaction, then its journal in one of the journal's file.
// The two files do not commit as one: after a failure between them the
// journal is still there, the reset answers the error, and running it
// again finishes it.
func (db *DB) ResetMerchant(ctx context.Context, msn string) (api.SandboxReset, error) {
	var res api.SandboxReset
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res = api.SandboxReset{}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (
				SELECT payment_type, order_id FROM categories WHERE msn = ?1
				UNION SELECT payment_type, order_id FROM receipts WHERE msn = ?1)`, msn).Scan(&res.Orders); err != nil {
			return db.storeErr("reset", err)
		}
		// Categories go before images: they may name them.
		for _, d := range []struct {
			table string
			n     *int64
		}{
			{"categories", &res.Categories}, {"receipts", &res.Receipts}, {"images", &res.Images}, {"sandbox_faults", &res.Faults},
		} {
			r, err := tx.ExecContext(ctx, `DELETE FROM `+d.table+` WHERE msn = ?`, msn)
			if err != nil {
				return db.storeErr("reset "+d.table, err)
			}
			*d.n, _ = r.RowsAffected()
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	err = db.writeRequests(ctx, "reset journal", func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(sum(count), 0) FROM sandbox_journal WHERE msn = ?`, msn).Scan(&res.Requests); err != nil {
			return err
		}
		for _, table := range []string{"sandbox_journal", "sandbox_journal_counts"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE msn = ?`, msn); err != nil {
				return err
			}
		}
		return nil
	})
	return res, err
}
