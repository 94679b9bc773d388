-- Who may do what: accounts and their scoped roles, sessions kept on the
-- server, single-use links, and the failed sign-ins that slow down and lock
-- guessing. Secrets (session ids, link tokens, the e-mail addresses typed
-- into failed sign-ins) are stored only as SHA-256 hashes.
CREATE TABLE accounts (
    id BIGSERIAL PRIMARY KEY,
    -- Lower-cased by the application, so one address is one account.
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    -- An argon2id PHC string; null until set through a single-use link.
    password_hash TEXT,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE account_roles (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    role TEXT NOT NULL CHECK (role IN ('secretariat', 'editor', 'focal-point')),
    provider_key TEXT REFERENCES providers (key),
    country TEXT REFERENCES countries (iso3),
    CHECK ((role = 'secretariat' AND provider_key IS NULL AND country IS NULL)
        OR (role = 'editor' AND provider_key IS NOT NULL AND country IS NULL)
        OR (role = 'focal-point' AND country IS NOT NULL AND provider_key IS NULL))
);
CREATE INDEX account_roles_account ON account_roles (account_id);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    -- The CSRF token of the session's forms, bound to it.
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE account_links (
    token_hash TEXT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    purpose TEXT NOT NULL CHECK (purpose IN ('set-password', 'invitation', 'reset')),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX account_links_account ON account_links (account_id);

CREATE TABLE sign_in_failures (
    -- "email:" or "address:" and the SHA-256 of the address.
    subject TEXT PRIMARY KEY NOT NULL,
    failures INTEGER NOT NULL,
    first_failed_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP
);
