// Package auth mints and verifies access tokens and checks the credentials
// of token requests (contract §3).
//
// Tokens are JWTs signed with Ed25519 ("EdDSA"). A KeySet holds the one key
// that signs new tokens and any number of public keys that are only used to
// verify: during a key rotation, or on a node of a cluster that accepts the
// tokens of the other nodes. The public keys are published as a JSON Web
// Key Set so that any other verifier can check tokens too.
//
// An Authenticator decides who gets a token: Sandbox accepts any
// credentials, Configured only the sales units of a configuration file,
// whose secrets are stored as bcrypt hashes (see HashSecret).
package auth
