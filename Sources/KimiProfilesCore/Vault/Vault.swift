#if canImport(Glibc)
import Glibc
#endif

/// The encrypted profile store (SPEC §3): a SQLite file whose secrets are sealed with the key file.
///
/// Opening checks file modes, migrates the schema and verifies the key-check value before
/// anything else is read or written, so a wrong key is reported as such and never overwrites
/// data. Each profile's credential is sealed on its own, so one damaged entry leaves the others
/// readable. A `Vault` is confined to one thread.
public final class Vault {
    public let home: HomeFolder
    let database: Database
    let key: SymmetricKey
    let clock: Clock

    private static let keyCheckField = "key-check"
    private static let keyCheckPlaintext = Array("kimi-profiles key check v1".utf8)
    private static let activeProfileKey = "active-profile"
    private static let columns =
        "id, name, kind, client_id, oauth_host, base_url, created_at, updated_at, last_used_at, access_expires_at, device_id, login_required, refresh_token_at"

    private init(home: HomeFolder, database: Database, key: SymmetricKey, clock: Clock) {
        self.home = home
        self.database = database
        self.key = key
        self.clock = clock
    }

    /// Opens the vault in `home`. With `create`, makes the folder, key and database when they
    /// do not exist; without it, returns nil when there is no vault yet (nothing is created).
    public static func open(home: HomeFolder, create: Bool, clock: Clock = .system) throws(VaultError)
        -> Vault?
    {
        let vaultExists = FileSystem.exists(home.vaultPath)
        if !vaultExists && !create { return nil }
        if create {
            do {
                try FileSystem.createDirectory(home.path, mode: 0o700)
            } catch {
                throw .system(error)
            }
        }
        let key: SymmetricKey
        if FileSystem.exists(home.keyPath) {
            key = try KeyFile.load(path: home.keyPath)
        } else if vaultExists {
            throw .missingKeyFile(path: home.keyPath)
        } else {
            key = try KeyFile.create(path: home.keyPath)
        }
        if vaultExists {
            try KeyFile.checkPermissions(home.vaultPath)
        } else {
            // SQLite would create the file as 0644 & ~umask, and its -wal and -shm copy that
            // mode: make it 0600 first (LINUX-NOTES 9).
            do {
                try FileSystem.touch(home.vaultPath, mode: 0o600)
            } catch {
                throw .system(error)
            }
        }
        let database: Database
        do {
            database = try Database(path: home.vaultPath, create: false)
        } catch {
            throw translate(error, path: home.vaultPath)
        }
        let vault = Vault(home: home, database: database, key: key, clock: clock)
        try vault.prepare()
        return vault
    }

    /// Migrates when needed and verifies the key. Runs before any other read or write.
    private func prepare() throws(VaultError) {
        let version: Int
        do {
            version = try database.userVersion
        } catch {
            throw Self.translate(error, path: home.vaultPath)
        }
        if version > VaultSchema.currentVersion {
            throw .newerSchema(found: version, supported: VaultSchema.currentVersion)
        }
        // An existing vault proves the key first: a wrong key must not even migrate it.
        if version > 0 { try verifyKey() }
        if version < VaultSchema.currentVersion {
            try migrate()
        }
        if version == 0 { try verifyKey() }
        try ensureWAL()
    }

    /// WAL lets readers and one writer work at once; it is a property of the file. Checked on
    /// every open, not only after the first migration: a process killed between that commit and
    /// the switch (or a switch refused while another process held the file) left a vault in
    /// rollback mode for good. Best effort: a refused switch is tried again on the next open. (In
    /// that rare state the switch may wait out the busy timeout while another process holds the
    /// file, even for a command that only reads.)
    private func ensureWAL() throws(VaultError) {
        let mode: String
        do {
            mode = try { () throws(SQLiteError) -> String in
                let statement = try database.prepare("PRAGMA journal_mode")
                return try statement.step() ? statement.text(at: 0) : ""
            }()
        } catch {
            throw Self.translate(error, path: home.vaultPath)
        }
        if mode.lowercased() != "wal" { try? database.execute("PRAGMA journal_mode = WAL") }
    }

    private func migrate() throws(VaultError) {
        try write {
            // Re-read under the write lock: another process may have migrated meanwhile.
            let version = try database.userVersion
            if version > VaultSchema.currentVersion {
                throw VaultError.newerSchema(found: version, supported: VaultSchema.currentVersion)
            }
            if version == 0 {
                // A vault that holds data but no schema version is not one of ours.
                let tables = try database.prepare("SELECT count(*) FROM sqlite_master")
                _ = try tables.step()
                if tables.int64(at: 0) != 0 { throw VaultError.corrupt(path: home.vaultPath) }
            }
            for index in version..<VaultSchema.currentVersion {
                try database.execute(VaultSchema.migrations[index])
            }
            try database.execute("PRAGMA user_version = \(VaultSchema.currentVersion)")
            // Only a new vault gets a key check; an old one without it is damaged, and sealing
            // one now would make whatever key is at hand the accepted one.
            if version == 0, try metaValue(Self.keyCheckField) == nil {
                let check = try seal(
                    Self.keyCheckPlaintext, associatedData: SealedBox.associatedData(
                        profileID: "", field: Self.keyCheckField))
                try database.prepare("INSERT INTO meta (key, value) VALUES (?, ?)")
                    .bind(.text(Self.keyCheckField), .blob(check)).run()
            }
        }
    }

    private func verifyKey() throws(VaultError) {
        let stored: [UInt8]?
        do {
            stored = try metaValue(Self.keyCheckField)
        } catch {
            throw Self.translate(error, path: home.vaultPath)
        }
        guard let stored else { throw .corrupt(path: home.vaultPath) }
        do {
            let opened = try SealedBox.open(
                stored, key: key,
                associatedData: SealedBox.associatedData(profileID: "", field: Self.keyCheckField))
            let matches = opened.withUnsafeBytes { Array($0) == Self.keyCheckPlaintext }
            if !matches { throw VaultError.wrongKey(keyPath: home.keyPath) }
        } catch {
            throw .wrongKey(keyPath: home.keyPath)
        }
    }

    // MARK: Profiles

    /// Every profile, ordered by name. Opens no secret.
    public func profiles() throws(VaultError) -> [Profile] {
        try read {
            let statement = try database.prepare(
                "SELECT \(Self.columns) FROM profiles ORDER BY name COLLATE NOCASE, name")
            var result: [Profile] = []
            while try statement.step() { result.append(Self.profile(from: statement)) }
            return result
        }
    }

    /// The names of every profile, opening nothing else.
    public func profileNames() throws(VaultError) -> [String] {
        try read {
            let statement = try database.prepare(
                "SELECT name FROM profiles ORDER BY name COLLATE NOCASE, name")
            var result: [String] = []
            while try statement.step() { result.append(statement.text(at: 0)) }
            return result
        }
    }

    /// The profile called `name`, or nil.
    public func profile(named name: String) throws(VaultError) -> Profile? {
        try read {
            let statement = try database.prepare(
                "SELECT \(Self.columns) FROM profiles WHERE name = ?")
            try statement.bind(.text(name))
            return try statement.step() ? Self.profile(from: statement) : nil
        }
    }

    /// The profile with `id`, or nil.
    public func profile(id: String) throws(VaultError) -> Profile? {
        try read {
            let statement = try database.prepare("SELECT \(Self.columns) FROM profiles WHERE id = ?")
            try statement.bind(.text(id))
            return try statement.step() ? Self.profile(from: statement) : nil
        }
    }

    /// When `add` makes the new profile the active one.
    public enum Activation: Sendable {
        case never
        case always
        /// Only when no profile is active (the first one added).
        case whenNoneIsActive
    }

    /// Stores a new profile and its credential, and makes it active as `activation` says, all
    /// in one transaction (a process killed part-way leaves the vault as it was). Returns
    /// whether the profile became the active one.
    @discardableResult
    public func add(_ profile: Profile, credential: Credential, activation: Activation = .never) throws(VaultError) -> Bool {
        try write {
            try insert(profile, credential: credential)
            let activate: Bool
            switch activation {
            case .never: activate = false
            case .always: activate = true
            case .whenNoneIsActive: activate = try activeProfile() == nil
            }
            guard activate else { return false }
            try database.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)")
                .bind(.text(Self.activeProfileKey), .text(profile.id)).run()
            return true
        }
    }

    private func insert(_ profile: Profile, credential: Credential) throws {
        let sealed = try sealCredential(credential, profileID: profile.id)
        do throws(SQLiteError) {
            try database.prepare(
                """
                INSERT INTO profiles (\(Self.columns), credential)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
            ).bind(Self.values(of: profile) + [.blob(sealed)]).run()
        } catch {
            if error.isUniqueViolation { throw VaultError.profileExists(profile.name) }
            throw error
        }
    }

    /// Opens the sealed credential of `profile`. A tag that does not verify reports the
    /// profile as damaged; nothing else is affected.
    public func credential(for profile: Profile) throws(VaultError) -> Credential {
        let blob: [UInt8] = try read {
            let statement = try database.prepare("SELECT credential FROM profiles WHERE id = ?")
            try statement.bind(.text(profile.id))
            guard try statement.step() else { throw VaultError.profileNotFound(profile.name) }
            return statement.blob(at: 0)
        }
        let plaintext: SecureBytes
        do {
            plaintext = try SealedBox.open(
                blob, key: key,
                associatedData: SealedBox.associatedData(profileID: profile.id, field: "credential"))
        } catch {
            throw .damaged(profile: profile.name)
        }
        guard let credential = CredentialCoding.decode(plaintext) else {
            throw .damaged(profile: profile.name)
        }
        return credential
    }

    /// Replaces the credential of `profile` (after a refresh or a new login), in one
    /// transaction with its expiry, and clears the login-required mark: the access token and
    /// the single-use refresh token that came with it are never stored apart.
    public func updateCredential(_ credential: Credential, for profile: Profile) throws(VaultError) {
        try write {
            let sealed = try sealCredential(credential, profileID: profile.id)
            var expiry: Statement.Value = .null
            var issued: Statement.Value = .null
            if case let .oauth(tokens) = credential {
                expiry = .integer(tokens.expiresAt)
                issued = .integer(clock.seconds())
            }
            try database.prepare(
                """
                UPDATE profiles SET credential = ?, access_expires_at = ?, updated_at = ?,
                refresh_token_at = ?, login_required = 0 WHERE id = ?
                """
            ).bind(.blob(sealed), expiry, .integer(clock.seconds()), issued, .text(profile.id)).run()
            if database.changes == 0 { throw VaultError.profileNotFound(profile.name) }
        }
    }

    /// Marks `profile` as needing a new login (its refresh token was rejected), or clears it.
    public func setLoginRequired(_ required: Bool, for profile: Profile) throws(VaultError) {
        try write {
            try database.prepare("UPDATE profiles SET login_required = ? WHERE id = ?")
                .bind(.integer(required ? 1 : 0), .text(profile.id)).run()
        }
    }

    /// Renames a profile. Its id, credential and active state stay as they were.
    public func rename(_ oldName: String, to newName: String) throws(VaultError) {
        try write {
            do {
                try database.prepare("UPDATE profiles SET name = ?, updated_at = ? WHERE name = ?")
                    .bind(.text(newName), .integer(clock.seconds()), .text(oldName)).run()
            } catch let error as SQLiteError where error.isUniqueViolation {
                throw VaultError.profileExists(newName)
            }
            if database.changes == 0 { throw VaultError.profileNotFound(oldName) }
        }
    }

    /// Removes a profile, and clears the active profile if it was this one.
    public func remove(_ name: String) throws(VaultError) {
        try write {
            guard let profile = try profile(named: name) else {
                throw VaultError.profileNotFound(name)
            }
            try database.prepare("DELETE FROM profiles WHERE id = ?").bind(.text(profile.id)).run()
            try database.prepare("DELETE FROM usage_samples WHERE profile_id = ?").bind(.text(profile.id)).run()
            unlink(FileSystem.join(FileSystem.join(home.path, "locks"), profile.id + ".lock"))
            try database.prepare("DELETE FROM meta WHERE key = ? AND value = ?")
                .bind(.text(Self.activeProfileKey), .text(profile.id)).run()
        }
    }

    /// Records that `profile` was used now; skipped when it was recorded in the last minute,
    /// and written without waiting for the disk, since a lost stamp costs nothing.
    public func markUsed(_ profile: Profile) {
        let now = clock.seconds()
        if let last = profile.lastUsedAt, now - last < 60, now >= last { return }
        try? database.execute("PRAGMA synchronous = NORMAL")
        try? database.prepare("UPDATE profiles SET last_used_at = ? WHERE id = ?")
            .bind(.integer(now), .text(profile.id)).run()
        try? database.execute("PRAGMA synchronous = FULL")
    }

    // MARK: Usage samples

    /// How long usage samples are kept.
    public static let usageRetention: Double = 8 * 86400

    /// Records one fetch of every window of `report` (plaintext: quota numbers are not secret),
    /// and forgets samples older than `usageRetention`.
    public func recordUsage(_ report: UsageReport, for profile: Profile, at time: Double) throws(VaultError) {
        try write {
            let insert = try database.prepare(
                "INSERT OR REPLACE INTO usage_samples (profile_id, window, at, used, quota, resets_at) VALUES (?, ?, ?, ?, ?, ?)")
            for window in report.windows {
                try insert.bind(
                    .text(profile.id), .text(window.key), .real(time), .real(window.used), .real(window.limit),
                    window.resetsAt.map { .real($0) } ?? .null
                ).run()
            }
            try database.prepare("DELETE FROM usage_samples WHERE profile_id = ? AND at < ?")
                .bind(.text(profile.id), .real(time - Self.usageRetention)).run()
        }
    }

    /// The recorded samples of one window, oldest first.
    public func usageSamples(for profile: Profile, window: String) throws(VaultError) -> [UsageSample] {
        try read {
            let statement = try database.prepare(
                "SELECT at, used, quota, resets_at FROM usage_samples WHERE profile_id = ? AND window = ? ORDER BY at")
            try statement.bind(.text(profile.id), .text(window))
            var samples: [UsageSample] = []
            while try statement.step() {
                samples.append(
                    UsageSample(
                        at: statement.double(at: 0), used: statement.double(at: 1), limit: statement.double(at: 2),
                        resetsAt: statement.isNull(at: 3) ? nil : statement.double(at: 3)))
            }
            return samples
        }
    }

    // MARK: Active profile

    /// The globally active profile, if one is set and still exists.
    public func activeProfile() throws(VaultError) -> Profile? {
        let id: String? = try read {
            let statement = try database.prepare("SELECT value FROM meta WHERE key = ?")
            try statement.bind(.text(Self.activeProfileKey))
            return try statement.step() ? statement.text(at: 0) : nil
        }
        guard let id else { return nil }
        return try profile(id: id)
    }

    /// Makes the profile called `name` the active one (nil clears it).
    public func setActive(_ name: String?) throws(VaultError) {
        try write {
            guard let name else {
                try database.prepare("DELETE FROM meta WHERE key = ?")
                    .bind(.text(Self.activeProfileKey)).run()
                return
            }
            guard let profile = try profile(named: name) else {
                throw VaultError.profileNotFound(name)
            }
            try database.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)")
                .bind(.text(Self.activeProfileKey), .text(profile.id)).run()
        }
    }

    // MARK: Plumbing

    private func metaValue(_ key: String) throws(SQLiteError) -> [UInt8]? {
        let statement = try database.prepare("SELECT value FROM meta WHERE key = ?")
        try statement.bind(.text(key))
        return try statement.step() ? statement.blob(at: 0) : nil
    }

    private func seal(_ plaintext: [UInt8], associatedData: [UInt8]) throws -> [UInt8] {
        let bytes = plaintext.withUnsafeBytes { SecureBytes(copying: $0) }
        return try SealedBox.seal(bytes, key: key, associatedData: associatedData)
    }

    private func sealCredential(_ credential: Credential, profileID: String) throws -> [UInt8] {
        try SealedBox.seal(
            CredentialCoding.encode(credential), key: key,
            associatedData: SealedBox.associatedData(profileID: profileID, field: "credential"))
    }

    /// Runs `body` in a write transaction, translating every failure to a `VaultError`.
    private func write<R>(_ body: () throws -> R) throws(VaultError) -> R {
        do {
            return try database.transaction(body)
        } catch {
            throw Self.translate(error, path: home.vaultPath)
        }
    }

    /// Runs a read, translating every failure to a `VaultError`.
    private func read<R>(_ body: () throws -> R) throws(VaultError) -> R {
        do {
            return try body()
        } catch {
            throw Self.translate(error, path: home.vaultPath)
        }
    }

    static func translate(_ error: any Error, path: String) -> VaultError {
        switch error {
        case let error as VaultError: return error
        case let error as SQLiteError where error.isCorrupt: return .corrupt(path: path)
        case let error as SQLiteError: return .database(error)
        case let error as SystemError: return .system(error)
        default: return .database(SQLiteError(code: 1, message: "\(error)"))
        }
    }

    private static func profile(from statement: Statement) -> Profile {
        Profile(
            id: statement.text(at: 0),
            name: statement.text(at: 1),
            kind: Profile.Kind(rawValue: statement.text(at: 2)) ?? .apiKey,
            clientID: statement.optionalText(at: 3),
            oauthHost: statement.optionalText(at: 4),
            baseURL: statement.text(at: 5),
            createdAt: statement.int64(at: 6),
            updatedAt: statement.int64(at: 7),
            lastUsedAt: statement.optionalInt64(at: 8),
            accessExpiresAt: statement.optionalInt64(at: 9),
            deviceID: statement.optionalText(at: 10),
            loginRequired: statement.int64(at: 11) != 0,
            refreshTokenIssuedAt: statement.optionalInt64(at: 12))
    }

    private static func values(of profile: Profile) -> [Statement.Value] {
        [
            .text(profile.id), .text(profile.name), .text(profile.kind.rawValue),
            profile.clientID.map { .text($0) } ?? .null,
            profile.oauthHost.map { .text($0) } ?? .null,
            .text(profile.baseURL), .integer(profile.createdAt), .integer(profile.updatedAt),
            profile.lastUsedAt.map { .integer($0) } ?? .null,
            profile.accessExpiresAt.map { .integer($0) } ?? .null,
            profile.deviceID.map { .text($0) } ?? .null,
            .integer(profile.loginRequired ? 1 : 0),
            profile.refreshTokenIssuedAt.map { .integer($0) } ?? .null,
        ]
    }
}
