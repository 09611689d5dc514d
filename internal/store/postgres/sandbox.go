package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

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

// AddFault stores a rule unless msn has max rules already. The count and
// the insert are one statement; two nodes racing may pass the bound by
// one, which costs nothing.
func (db *DB) AddFault(ctx context.Context, msn string, f *api.Fault, max int) error {
	rule, err := faultRule(f)
	if err != nil {
		return err
	}
	return db.run(ctx, "add fault", func(ctx context.Context) error {
		tag, err := db.pool.Exec(ctx, `INSERT INTO sandbox_faults (msn, id, rule, count, created_at)
			SELECT $1, $2, $3, $4, $5 WHERE (SELECT count(*) FROM sandbox_faults WHERE msn = $1) < $6`,
			msn, f.FaultID, rule, f.Count, f.CreatedAt, max)
		switch {
		case isViolation(err, codeUniqueViolation, "sandbox_faults_pkey"):
			return fmt.Errorf("fault rule %s: %w", f.FaultID, api.ErrConflict)
		case err != nil:
			return err
		case tag.RowsAffected() == 0:
			return fmt.Errorf("merchant %s has %d fault rules: %w", msn, max, api.ErrConflict)
		}
		return nil
	})
}

const faultColumns = `msn, id, rule, fired, matched, created_at`

func scanFaults(rows pgx.Rows) ([]sandbox.MerchantFault, error) {
	defer rows.Close()
	var out []sandbox.MerchantFault
	for rows.Next() {
		var (
			mf   sandbox.MerchantFault
			rule []byte
			at   time.Time
		)
		if err := rows.Scan(&mf.MSN, &mf.Fault.FaultID, &rule, &mf.Fault.Fired, &mf.Fault.Matched, &at); err != nil {
			return nil, err
		}
		id, fired, matched := mf.Fault.FaultID, mf.Fault.Fired, mf.Fault.Matched
		if err := json.Unmarshal(rule, &mf.Fault); err != nil {
			return nil, fmt.Errorf("fault rule %s: %w", id, err)
		}
		mf.Fault.FaultID, mf.Fault.Fired, mf.Fault.Matched = id, fired, matched
		mf.Fault.CreatedAt = at.UTC()
		out = append(out, mf)
	}
	return out, rows.Err()
}

func (db *DB) queryFaults(ctx context.Context, op, query string, args ...any) ([]sandbox.MerchantFault, error) {
	var out []sandbox.MerchantFault
	err := db.run(ctx, op, func(ctx context.Context) error {
		rows, err := db.pool.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		out, err = scanFaults(rows)
		return err
	})
	return out, err
}

// Faults lists msn's rules in the order they were added.
func (db *DB) Faults(ctx context.Context, msn string) ([]api.Fault, error) {
	mfs, err := db.queryFaults(ctx, "list faults", `SELECT `+faultColumns+` FROM sandbox_faults WHERE msn = $1 ORDER BY seq`, msn)
	if err != nil {
		return nil, err
	}
	out := make([]api.Fault, len(mfs))
	for i := range mfs {
		out[i] = mfs[i].Fault
	}
	return out, nil
}

// ActiveFaults lists the rules of every merchant that are not spent.
func (db *DB) ActiveFaults(ctx context.Context) ([]sandbox.MerchantFault, error) {
	return db.queryFaults(ctx, "list faults", `SELECT `+faultColumns+` FROM sandbox_faults WHERE count = 0 OR fired < count ORDER BY seq`)
}

// DeleteFault removes one rule, or is api.ErrNotFound.
func (db *DB) DeleteFault(ctx context.Context, msn, id string) error {
	return db.run(ctx, "delete fault", func(ctx context.Context) error {
		tag, err := db.pool.Exec(ctx, `DELETE FROM sandbox_faults WHERE msn = $1 AND id = $2`, msn, id)
		if err == nil && tag.RowsAffected() == 0 {
			return fmt.Errorf("fault rule %s of merchant %s: %w", id, msn, api.ErrNotFound)
		}
		return err
	})
}

// DeleteFaults removes all of msn's rules.
func (db *DB) DeleteFaults(ctx context.Context, msn string) (int64, error) {
	var n int64
	err := db.run(ctx, "delete faults", func(ctx context.Context) error {
		tag, err := db.pool.Exec(ctx, `DELETE FROM sandbox_faults WHERE msn = $1`, msn)
		n = tag.RowsAffected()
		return err
	})
	return n, err
}

// DrawFault counts a match and returns the count so far.
func (db *DB) DrawFault(ctx context.Context, msn, id string) (int64, error) {
	var n int64
	err := db.run(ctx, "draw fault", func(ctx context.Context) error {
		err := db.pool.QueryRow(ctx, `UPDATE sandbox_faults SET matched = matched + 1 WHERE msn = $1 AND id = $2 RETURNING matched`, msn, id).Scan(&n)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("fault rule %s of merchant %s: %w", id, msn, api.ErrNotFound)
		}
		return err
	})
	return n, err
}

// FireFault counts a firing unless the rule is spent (or gone). The
// condition and the update are one statement, so nodes racing for a
// rule's last firing cannot both win.
func (db *DB) FireFault(ctx context.Context, msn, id string) (bool, error) {
	var fired bool
	err := db.run(ctx, "fire fault", func(ctx context.Context) error {
		tag, err := db.pool.Exec(ctx, `UPDATE sandbox_faults SET fired = fired + 1 WHERE msn = $1 AND id = $2 AND (count = 0 OR fired < count)`, msn, id)
		fired = tag.RowsAffected() == 1
		return err
	})
	return fired, err
}

// AppendJournal stores pages in one transaction and trims each merchant's
// ring by the rule of sandbox.Trim, reading only the pages it deletes.
// Adding to a merchant's count locks its row, so nodes appending for one
// merchant trim its ring in turn.
func (db *DB) AppendJournal(ctx context.Context, pages []sandbox.Page, keep int) error {
	if len(pages) == 0 {
		return nil
	}
	msns, added := sandbox.MerchantEntries(pages)
	return db.run(ctx, "append journal", func(ctx context.Context) error {
		return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
			for _, p := range pages {
				if _, err := tx.Exec(ctx, `INSERT INTO sandbox_journal (msn, first_seq, id, last_seq, count, entries) VALUES ($1, $2, $3, $4, $5, $6)`,
					p.MSN, p.First, p.ID, p.Last, p.Count, p.Data); err != nil {
					return err
				}
			}
			for _, msn := range msns {
				var total int64
				if err := tx.QueryRow(ctx, `INSERT INTO sandbox_journal_counts (msn, entries) VALUES ($1, $2)
					ON CONFLICT (msn) DO UPDATE SET entries = sandbox_journal_counts.entries + EXCLUDED.entries
					RETURNING entries`, msn, added[msn]).Scan(&total); err != nil {
					return err
				}
				if total > int64(keep) {
					if err := trimJournal(ctx, tx, msn, total, int64(keep)); err != nil {
						return err
					}
				}
			}
			return nil
		})
	})
}

// trimChunk is how many of the oldest pages a trim reads at a time.
const trimChunk = 64

// trimJournal deletes msn's oldest pages by sandbox.Trim and stores the
// count left.
func trimJournal(ctx context.Context, tx pgx.Tx, msn string, total, keep int64) error {
	for {
		rows, err := tx.Query(ctx, `SELECT first_seq, id, count FROM sandbox_journal WHERE msn = $1 ORDER BY first_seq, id LIMIT $2`, msn, trimChunk)
		if err != nil {
			return err
		}
		type key struct{ first, id int64 }
		var keys []key
		var counts []int64
		for rows.Next() {
			var k key
			var n int64
			if err := rows.Scan(&k.first, &k.id, &n); err != nil {
				rows.Close()
				return err
			}
			keys, counts = append(keys, k), append(counts, n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		var n int
		n, total = sandbox.Trim(total, keep, counts)
		for _, k := range keys[:n] {
			if _, err := tx.Exec(ctx, `DELETE FROM sandbox_journal WHERE msn = $1 AND first_seq = $2 AND id = $3`, msn, k.first, k.id); err != nil {
				return err
			}
		}
		if n < trimChunk {
			break
		}
	}
	_, err := tx.Exec(ctx, `UPDATE sandbox_journal_counts SET entries = $1 WHERE msn = $2`, total, msn)
	return err
}

// Journal returns up to limit of msn's pages between after and before,
// newest first.
func (db *DB) Journal(ctx context.Context, msn string, before, after int64, limit int) ([]sandbox.Page, error) {
	if before == 0 {
		before = math.MaxInt64
	}
	var out []sandbox.Page
	err := db.run(ctx, "read journal", func(ctx context.Context) error {
		out = []sandbox.Page{}
		rows, err := db.pool.Query(ctx, `SELECT first_seq, id, last_seq, count, entries FROM sandbox_journal
			WHERE msn = $1 AND first_seq < $2 AND last_seq > $3 ORDER BY first_seq DESC, id DESC LIMIT $4`, msn, before, after, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			p := sandbox.Page{MSN: msn}
			if err := rows.Scan(&p.First, &p.ID, &p.Last, &p.Count, &p.Data); err != nil {
				return err
			}
			out = append(out, p)
		}
		return rows.Err()
	})
	return out, err
}

// ResetMerchant deletes everything of msn's in one transaction.
func (db *DB) ResetMerchant(ctx context.Context, msn string) (api.SandboxReset, error) {
	var res api.SandboxReset
	err := db.run(ctx, "reset", func(ctx context.Context) error {
		return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
			res = api.SandboxReset{}
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM (
					SELECT payment_type, order_id FROM categories WHERE msn = $1
					UNION SELECT payment_type, order_id FROM receipts WHERE msn = $1) AS o`, msn).Scan(&res.Orders); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `SELECT coalesce(sum(count), 0) FROM sandbox_journal WHERE msn = $1`, msn).Scan(&res.Requests); err != nil {
				return err
			}
			// Categories go before images: they may name them.
			for _, d := range []struct {
				table string
				n     *int64
			}{
				{"categories", &res.Categories}, {"receipts", &res.Receipts}, {"images", &res.Images},
				{"sandbox_journal", new(int64)}, {"sandbox_journal_counts", new(int64)}, {"sandbox_faults", &res.Faults},
			} {
				tag, err := tx.Exec(ctx, `DELETE FROM `+d.table+` WHERE msn = $1`, msn)
				if err != nil {
					return err
				}
				*d.n = tag.RowsAffected()
			}
			return nil
		})
	})
	return res, err
}
