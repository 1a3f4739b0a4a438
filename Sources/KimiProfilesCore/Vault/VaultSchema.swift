/// The vault's schema, one migration per `user_version` step. Migrations only ever append.
enum VaultSchema {
    /// Statement lists; migration `i` takes the schema from version `i` to `i + 1`.
    static let migrations: [String] = [
        """
        CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value BLOB NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE profiles (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL CHECK (kind IN ('oauth', 'api-key')),
            client_id TEXT,
            oauth_host TEXT,
            base_url TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            last_used_at INTEGER,
            access_expires_at INTEGER,
            credential BLOB NOT NULL
        );
        """,
        """
        ALTER TABLE profiles ADD COLUMN device_id TEXT;
        ALTER TABLE profiles ADD COLUMN login_required INTEGER NOT NULL DEFAULT 0;
        """,
        """
        CREATE TABLE usage_samples (
            profile_id TEXT NOT NULL,
            window TEXT NOT NULL,
            at REAL NOT NULL,
            used REAL NOT NULL,
            quota REAL NOT NULL,
            resets_at REAL,
            PRIMARY KEY (profile_id, window, at)
        ) WITHOUT ROWID;
        """,
        """
        ALTER TABLE profiles ADD COLUMN refresh_token_at INTEGER;
        UPDATE profiles SET refresh_token_at = updated_at WHERE kind = 'oauth';
        """,
    ]

    static var currentVersion: Int { migrations.count }
}
