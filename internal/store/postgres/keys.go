package postgres

import (
	"context"
	"crypto/ed25519"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/ordermgmt/ordermgmt/internal/auth"
)

// SigningKeys returns the token signing keys kept in the database, newest
// first: the first signs new tokens, and tokens of every one are accepted.
// When there is none it creates one. Nodes starting together take turns
// under a transaction advisory lock, so exactly one key is created and all
// of them return it.
//
// Keys are added, never changed: to rotate, insert a new key (id its
// auth.KeyID, private_key its auth.EncodeKeyPEM) and restart the nodes;
// tokens signed with older keys stay valid until their rows are deleted.
func (db *DB) SigningKeys(ctx context.Context) ([]ed25519.PrivateKey, error) {
	var keys []ed25519.PrivateKey
	err := db.run(ctx, "signing keys", func(ctx context.Context) error {
		var err error
		keys, err = db.loadOrCreateKeys(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return keys, nil
}

func (db *DB) loadOrCreateKeys(ctx context.Context) ([]ed25519.PrivateKey, error) {
	var keys []ed25519.PrivateKey
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		keys = nil // a retried attempt starts afresh
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", keysLock); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT id, private_key FROM signing_keys ORDER BY created_at DESC, id")
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, pemText string
			if err := rows.Scan(&id, &pemText); err != nil {
				return err
			}
			k, err := auth.DecodeKeyPEM([]byte(pemText))
			if err != nil {
				return fmt.Errorf("signing key %s: %w", id, err)
			}
			// The id is what tokens name; a row whose id is not its key's
			// would make tokens fail on some nodes only.
			if kid := auth.KeyID(k.Public().(ed25519.PublicKey)); kid != id {
				return fmt.Errorf("signing key %s: id is not the key's thumbprint %s", id, kid)
			}
			keys = append(keys, k)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(keys) > 0 {
			return nil
		}

		k, err := auth.GenerateKey()
		if err != nil {
			return err
		}
		pemBytes, err := auth.EncodeKeyPEM(k)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO signing_keys (id, private_key, created_at) VALUES ($1, $2, $3)",
			auth.KeyID(k.Public().(ed25519.PublicKey)), string(pemBytes), db.now().UTC()); err != nil {
			return err
		}
		keys = []ed25519.PrivateKey{k}
		return nil
	})
	return keys, err
}
