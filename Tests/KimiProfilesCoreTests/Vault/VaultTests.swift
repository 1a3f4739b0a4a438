import Foundation
import TestSupport
import XCTest

@testable import KimiProfilesCore

/// The vault on a real SQLite file in a temporary folder.
final class VaultTests: XCTestCase {
    private let now: Int64 = 1_700_000_000

    private func home(_ folder: TemporaryDirectory, _ name: String = "home") -> HomeFolder {
        HomeFolder(path: folder.path + "/" + name)
    }

    private func open(_ home: HomeFolder, at time: Int64? = nil) throws -> Vault {
        try XCTUnwrap(Vault.open(home: home, create: true, clock: .fixed(Double(time ?? now))))
    }

    private func assertOpenFails(
        _ home: HomeFolder, create: Bool = true, file: StaticString = #filePath, line: UInt = #line,
        _ check: (VaultError) -> Void
    ) {
        XCTAssertThrowsError(try Vault.open(home: home, create: create), file: file, line: line) { error in
            guard let error = error as? VaultError else {
                return XCTFail("not a VaultError: \(error)", file: file, line: line)
            }
            check(error)
        }
    }

    /// The sealed credential blob of `profile`, read behind the vault's back.
    private func credentialBlob(_ vault: Vault, _ profile: Profile) throws -> [UInt8] {
        let statement = try vault.database.prepare("SELECT credential FROM profiles WHERE id = ?")
        try statement.bind(.text(profile.id))
        XCTAssertTrue(try statement.step())
        return statement.blob(at: 0)
    }

    private func setCredentialBlob(_ vault: Vault, _ profile: Profile, _ blob: [UInt8]) throws {
        try vault.database.prepare("UPDATE profiles SET credential = ? WHERE id = ?")
            .bind(.blob(blob), .text(profile.id)).run()
        XCTAssertEqual(vault.database.changes, 1)
    }

    // MARK: Creating

    func testOpenWithoutCreateFindsNothingAndCreatesNothing() throws {
        let folder = TemporaryDirectory()
        let home = home(folder)
        XCTAssertNil(try Vault.open(home: home, create: false))
        XCTAssertFalse(FileManager.default.fileExists(atPath: home.path))
    }

    func testCreatesPrivateFilesWhateverTheUmask() throws {
        for mask: mode_t in [0o022, 0o000] {
            let folder = TemporaryDirectory()
            let home = HomeFolder(path: folder.path + "/data/kimi-profiles")
            try withUmask(mask) {
                let vault = try open(home)
                try vault.add(makeProfile("work"), credential: .apiKey(Secret("sk-kimi-x")))
                XCTAssertEqual(fileMode(home.path), 0o700, "umask \(mask)")
                XCTAssertEqual(fileMode(folder.path + "/data"), 0o700, "umask \(mask)")
                XCTAssertEqual(fileMode(home.vaultPath), 0o600, "umask \(mask)")
                XCTAssertEqual(fileMode(home.keyPath), 0o600, "umask \(mask)")
                XCTAssertEqual(fileBytes(home.keyPath).count, 32)
                for suffix in ["-wal", "-shm"] {
                    let path = home.vaultPath + suffix
                    XCTAssertTrue(FileManager.default.fileExists(atPath: path), path)
                    XCTAssertEqual(fileMode(path), 0o600, "\(path) under umask \(mask)")
                }
            }
        }
    }

    func testEachNewVaultGetsItsOwnKey() throws {
        let folder = TemporaryDirectory()
        _ = try open(home(folder, "a"))
        _ = try open(home(folder, "b"))
        XCTAssertNotEqual(fileBytes(home(folder, "a").keyPath), fileBytes(home(folder, "b").keyPath))
    }

    func testUsesWALJournal() throws {
        let folder = TemporaryDirectory()
        let vault = try open(home(folder))
        let statement = try vault.database.prepare("PRAGMA journal_mode")
        XCTAssertTrue(try statement.step())
        XCTAssertEqual(statement.text(at: 0), "wal")
    }

    // MARK: Profiles

    func testAddListAndFind() throws {
        let folder = TemporaryDirectory()
        let vault = try open(home(folder))
        XCTAssertEqual(try vault.profiles(), [])
        let beta = makeProfile("beta")
        let alpha = makeProfile("Alpha", kind: .oauth, clientID: "client-1", accessExpiresAt: now + 900)
        let gamma = makeProfile("gamma")
        try vault.add(beta, credential: .apiKey(Secret("sk-kimi-beta")))
        try vault.add(alpha, credential: .oauth(makeTokens(expiresAt: now + 900)))
        try vault.add(gamma, credential: .apiKey(Secret("sk-kimi-gamma")))

        XCTAssertEqual(try vault.profiles(), [alpha, beta, gamma])
        XCTAssertEqual(try vault.profileNames(), ["Alpha", "beta", "gamma"])
        XCTAssertEqual(try vault.profile(named: "Alpha"), alpha)
        XCTAssertNil(try vault.profile(named: "alpha"), "names are case-sensitive")
        XCTAssertNil(try vault.profile(named: "delta"))
        XCTAssertEqual(try vault.profile(id: beta.id), beta)
        XCTAssertEqual(try vault.credential(for: beta), .apiKey(Secret("sk-kimi-beta")))
        XCTAssertEqual(try vault.credential(for: alpha), .oauth(makeTokens(expiresAt: now + 900)))
    }

    func testProfilesSurviveReopening() throws {
        let folder = TemporaryDirectory()
        let profile = makeProfile("work", kind: .oauth)
        do {
            let vault = try open(home(folder))
            try vault.add(profile, credential: .oauth(makeTokens()))
            try vault.setActive("work")
        }
        let vault = try open(home(folder))
        XCTAssertEqual(try vault.profiles(), [profile])
        XCTAssertEqual(try vault.activeProfile(), profile)
        XCTAssertEqual(try vault.credential(for: profile), .oauth(makeTokens()))
    }

    func testDuplicateNameIsRefused() throws {
        let folder = TemporaryDirectory()
        let vault = try open(home(folder))
        let first = makeProfile("work")
        try vault.add(first, credential: .apiKey(Secret("sk-kimi-1")))
        XCTAssertThrowsError(try vault.add(makeProfile("work"), credential: .apiKey(Secret("sk-kimi-2")))) {
            XCTAssertEqual($0 as? VaultError, .profileExists("work"))
        }
        XCTAssertEqual(try vault.profiles(), [first])
        XCTAssertEqual(try vault.credential(for: first), .apiKey(Secret("sk-kimi-1")))
    }

    func testAddMakesTheProfileActiveInTheSameTransaction() throws {
        let folder = TemporaryDirectory()
        let vault = try open(home(folder))
        let first = makeProfile("first")
        XCTAssertTrue(try vault.add(first, credential: .apiKey(Secret("sk-kimi-1")), activation: .whenNoneIsActive))
        XCTAssertEqual(try vault.activeProfile(), first)
        XCTAssertFalse(try vault.add(makeProfile("second"), credential: .apiKey(Secret("sk-kimi-2")), activation: .whenNoneIsActive))
        XCTAssertEqual(try vault.activeProfile(), first)
        let third = makeProfile("third")
        XCTAssertTrue(try vault.add(third, credential: .apiKey(Secret("sk-kimi-3")), activation: .always))
        XCTAssertEqual(try vault.activeProfile(), third)
        XCTAssertFalse(try vault.add(makeProfile("fourth"), credential: .apiKey(Secret("sk-kimi-4"))))
        XCTAssertEqual(try vault.activeProfile(), third)
        // A refused add (the name is taken) makes nothing active either.
        XCTAssertThrowsError(try vault.add(makeProfile("first"), credential: .apiKey(Secret("sk-kimi-5")), activation: .always))
        XCTAssertEqual(try vault.activeProfile(), third)
    }

    func testRenameKeepsIDCredentialAndActiveState() throws {
        let folder = TemporaryDirectory()
        let vault = try open(home(folder), at: now + 50)
        let work = makeProfile("work")
        try vault.add(work, credential: .apiKey(Secret("sk-kimi-work")))
        try vault.add(makeProfile("other"), credential: .apiKey(Secret("sk-kimi-other")))
        try vault.setActive("work")

        try vault.rename("work", to: "job")
        XCTAssertNil(try vault.profile(named: "work"))
        let job = try XCTUnwrap(vault.profile(named: "job"))
        XCTAssertEqual(job.id, work.id)
        XCTAssertEqual(job.updatedAt, now + 50)
        XCTAssertEqual(job.createdAt, work.createdAt)
        XCTAssertEqual(try vault.credential(for: job), .apiKey(Secret("sk-kimi-work")))
        XCTAssertEqual(try vault.activeProfile()?.name, "job")
    }

    func testRenameRefusals() throws {
        let folder = TemporaryDirectory()
        let vault = try open(home(folder))
        try vault.add(makeProfile("a"), credential: .apiKey(Secret("1")))
        try vault.add(makeProfile("b"), credential: .apiKey(Secret("2")))
        XCTAssertThrowsError(try vault.rename("a", to: "b")) {
            XCTAssertEqual($0 as? VaultError, .profileExists("b"))
        }
        XCTAssertThrowsError(try vault.rename("missing", to: "c")) {
            XCTAssertEqual($0 as? VaultError, .profileNotFound("missing"))
        }
        XCTAssertEqual(try vault.profileNames(), ["a", "b"])
    }

    func testSetActiveAndClear() throws {
        let folder = TemporaryDirectory()
        let vault = try open(home(folder))
        let a = makeProfile("a")
        try vault.add(a, credential: .apiKey(Secret("1")))
        try vault.add(makeProfile("b"), credential: .apiKey(Secret("2")))
        XCTAssertNil(try vault.activeProfile())
        try vault.setActive("a")
        XCTAssertEqual(try vault.activeProfile(), a)
        try vault.setActive("b")
        XCTAssertEqual(try vault.activeProfile()?.name, "b")
        XCTAssertThrowsError(try vault.setActive("missing")) {
            XCTAssertEqual($0 as? VaultError, .profileNotFound("missing"))
        }
        XCTAssertEqual(try vault.activeProfile()?.name, "b", "a failed use leaves the active profile")
        try vault.setActive(nil)
        XCTAssertNil(try vault.activeProfile())
    }

    func testRemovingTheActiveProfileClearsIt() throws {
        let folder = TemporaryDirectory()
        let vault = try open(home(folder))
        let a = makeProfile("a")
        try vault.add(a, credential: .apiKey(Secret("1")))
        try vault.add(makeProfile("b"), credential: .apiKey(Secret("2")))
        try vault.setActive("a")

        try vault.remove("b")
        XCTAssertEqual(try vault.activeProfile(), a, "removing another profile keeps the active one")
        try vault.remove("a")
        XCTAssertNil(try vault.activeProfile())
        let marker = try vault.database.prepare("SELECT count(*) FROM meta WHERE key = 'active-profile'")
        XCTAssertTrue(try marker.step())
        XCTAssertEqual(marker.int64(at: 0), 0, "no stale active marker is left behind")
        XCTAssertEqual(try vault.profiles(), [])
        XCTAssertThrowsError(try vault.credential(for: a)) {
            XCTAssertEqual($0 as? VaultError, .profileNotFound("a"))
        }
        // A new profile with the old name is a new profile, not the active one.
        try vault.add(makeProfile("a"), credential: .apiKey(Secret("3")))
        XCTAssertNil(try vault.activeProfile())
    }

    func testRemoveMissingProfile() throws {
        let folder = TemporaryDirectory()
        let vault = try open(home(folder))
        XCTAssertThrowsError(try vault.remove("ghost")) {
            XCTAssertEqual($0 as? VaultError, .profileNotFound("ghost"))
        }
    }

    func testUpdateCredentialReplacesTokensAndExpiry() throws {
        let folder = TemporaryDirectory()
        let vault = try open(home(folder), at: now + 77)
        let profile = makeProfile("oauth", kind: .oauth, accessExpiresAt: now + 100)
        try vault.add(
            profile, credential: .oauth(makeTokens(access: "old-a", refresh: "old-r", expiresAt: now + 100)))

        let fresh = makeTokens(access: "new-a", refresh: "new-r", expiresAt: now + 5000, lifetime: 4900)
        try vault.updateCredential(.oauth(fresh), for: profile)
        XCTAssertEqual(try vault.credential(for: profile), .oauth(fresh))
        let stored = try XCTUnwrap(vault.profile(named: "oauth"))
        XCTAssertEqual(stored.accessExpiresAt, now + 5000)
        XCTAssertEqual(stored.updatedAt, now + 77)

        try vault.updateCredential(.apiKey(Secret("sk-kimi-now")), for: profile)
        XCTAssertEqual(try vault.credential(for: profile), .apiKey(Secret("sk-kimi-now")))
        XCTAssertNil(try vault.profile(named: "oauth")?.accessExpiresAt)
    }

    func testUpdateCredentialOfRemovedProfile() throws {
        let folder = TemporaryDirectory()
        let vault = try open(home(folder))
        let profile = makeProfile("gone")
        try vault.add(profile, credential: .apiKey(Secret("1")))
        try vault.remove("gone")
        XCTAssertThrowsError(try vault.updateCredential(.apiKey(Secret("2")), for: profile)) {
            XCTAssertEqual($0 as? VaultError, .profileNotFound("gone"))
        }
    }

    func testMarkUsedRecordsTheTime() throws {
        let folder = TemporaryDirectory()
        let vault = try open(home(folder), at: now + 10)
        let profile = makeProfile("p")
        try vault.add(profile, credential: .apiKey(Secret("1")))
        vault.markUsed(profile)
        XCTAssertEqual(try vault.profile(named: "p")?.lastUsedAt, now + 10)
    }

    // MARK: Keys and permissions

    func testWrongKeyIsReportedAndChangesNothing() throws {
        let folder = TemporaryDirectory()
        let home = home(folder)
        let profile = makeProfile("work")
        do {
            let vault = try open(home)
            try vault.add(profile, credential: .apiKey(Secret("sk-kimi-work")))
        }
        let originalKey = fileBytes(home.keyPath)
        let before = fileBytes(home.vaultPath)
        XCTAssertFalse(before.isEmpty)

        try FileManager.default.removeItem(atPath: home.keyPath)
        writeFile(home.keyPath, SecureRandom.bytes(count: 32))
        for create in [true, false] {
            assertOpenFails(home, create: create) { XCTAssertEqual($0, .wrongKey(keyPath: home.keyPath)) }
        }
        XCTAssertEqual(fileBytes(home.vaultPath), before)

        // The right key still opens everything.
        try FileManager.default.removeItem(atPath: home.keyPath)
        writeFile(home.keyPath, originalKey)
        let vault = try open(home)
        XCTAssertEqual(try vault.credential(for: profile), .apiKey(Secret("sk-kimi-work")))
    }

    /// A wrong key is refused before a migration could write to an older vault.
    func testAWrongKeyDoesNotMigrateAnOlderVault() throws {
        let folder = TemporaryDirectory()
        let home = home(folder)
        do {
            let vault = try open(home)
            try vault.add(makeProfile("work"), credential: .apiKey(Secret("sk-kimi-work")))
            try vault.database.execute("PRAGMA user_version = \(VaultSchema.currentVersion - 1)")
        }
        let before = fileBytes(home.vaultPath)
        try FileManager.default.removeItem(atPath: home.keyPath)
        writeFile(home.keyPath, SecureRandom.bytes(count: 32))
        assertOpenFails(home) { XCTAssertEqual($0, .wrongKey(keyPath: home.keyPath)) }
        XCTAssertEqual(fileBytes(home.vaultPath), before, "not migrated with a wrong key")
    }

    /// An existing vault without its key check is damaged; no key is adopted in its place.
    func testAMissingKeyCheckIsNeverRecreated() throws {
        let folder = TemporaryDirectory()
        let home = home(folder)
        do {
            let vault = try open(home)
            try vault.database.execute("DELETE FROM meta WHERE key = 'key-check'")
        }
        for create in [true, false] {
            assertOpenFails(home, create: create) { XCTAssertEqual($0, .corrupt(path: home.vaultPath)) }
        }
    }

    func testKeyFileReadableByOthersIsRefused() throws {
        let folder = TemporaryDirectory()
        let home = home(folder)
        _ = try open(home)
        for mode: mode_t in [0o644, 0o640, 0o604, 0o660] {
            chmod(home.keyPath, mode)
            assertOpenFails(home) { error in
                XCTAssertEqual(error, .unsafePermissions(path: home.keyPath, mode: UInt32(S_IFREG | mode)))
                XCTAssertTrue(error.hint?.contains("chmod 600") ?? false, error.hint ?? "no hint")
                XCTAssertTrue(error.hint?.contains(home.keyPath) ?? false)
                XCTAssertTrue(error.description.contains(home.keyPath))
                XCTAssertTrue(error.description.contains(String(mode, radix: 8)), error.description)
            }
        }
        chmod(home.keyPath, 0o400)
        XCTAssertNoThrow(try open(home), "an owner-only read-only key is fine")
    }

    func testVaultFileReadableByOthersIsRefused() throws {
        let folder = TemporaryDirectory()
        let home = home(folder)
        _ = try open(home)
        chmod(home.vaultPath, 0o644)
        assertOpenFails(home) { error in
            guard case .unsafePermissions(let path, let mode) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(path, home.vaultPath)
            XCTAssertEqual(mode & 0o777, 0o644)
            XCTAssertTrue(error.hint?.contains("chmod 600") ?? false)
        }
    }

    func testMissingKeyFileIsReportedAndNotRecreated() throws {
        let folder = TemporaryDirectory()
        let home = home(folder)
        _ = try open(home)
        try FileManager.default.removeItem(atPath: home.keyPath)
        for create in [true, false] {
            assertOpenFails(home, create: create) { XCTAssertEqual($0, .missingKeyFile(path: home.keyPath)) }
            XCTAssertFalse(FileManager.default.fileExists(atPath: home.keyPath))
        }
    }

    func testKeyFileOfWrongSizeIsRefused() throws {
        let folder = TemporaryDirectory()
        let home = home(folder)
        makeFolders(home.path)
        writeFile(home.keyPath, SecureRandom.bytes(count: 16))
        assertOpenFails(home) { XCTAssertEqual($0, .invalidKeyFile(path: home.keyPath, size: 16)) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: home.vaultPath))
    }

    // MARK: Damage

    func testFlippedByteDamagesOnlyThatProfile() throws {
        let folder = TemporaryDirectory()
        let vault = try open(home(folder))
        let a = makeProfile("a")
        let b = makeProfile("b", kind: .oauth)
        try vault.add(a, credential: .apiKey(Secret("sk-kimi-aaaa")))
        try vault.add(b, credential: .oauth(makeTokens()))
        let original = try credentialBlob(vault, a)
        for index in [0, 5, 20, original.count - 1] {
            var blob = original
            blob[index] ^= 0x04
            try setCredentialBlob(vault, a, blob)
            XCTAssertThrowsError(try vault.credential(for: a), "byte \(index)") {
                XCTAssertEqual($0 as? VaultError, .damaged(profile: "a"))
            }
            XCTAssertEqual(try vault.credential(for: b), .oauth(makeTokens()))
            XCTAssertEqual(try vault.profileNames(), ["a", "b"])
        }
        try setCredentialBlob(vault, a, original)
        XCTAssertEqual(try vault.credential(for: a), .apiKey(Secret("sk-kimi-aaaa")))
    }

    func testDamagedProfileDoesNotStopTheVaultOpening() throws {
        let folder = TemporaryDirectory()
        let a = makeProfile("a")
        let b = makeProfile("b")
        do {
            let vault = try open(home(folder))
            try vault.add(a, credential: .apiKey(Secret("1")))
            try vault.add(b, credential: .apiKey(Secret("2")))
            try setCredentialBlob(vault, a, [1, 2, 3])
        }
        let vault = try open(home(folder))
        XCTAssertThrowsError(try vault.credential(for: a)) {
            XCTAssertEqual($0 as? VaultError, .damaged(profile: "a"))
        }
        XCTAssertEqual(try vault.credential(for: b), .apiKey(Secret("2")))
    }

    func testSwappedBlobsDamageBothProfiles() throws {
        let folder = TemporaryDirectory()
        let vault = try open(home(folder))
        let a = makeProfile("a")
        let b = makeProfile("b")
        try vault.add(a, credential: .apiKey(Secret("sk-kimi-a")))
        try vault.add(b, credential: .apiKey(Secret("sk-kimi-b")))
        let blobA = try credentialBlob(vault, a)
        let blobB = try credentialBlob(vault, b)
        try setCredentialBlob(vault, a, blobB)
        try setCredentialBlob(vault, b, blobA)
        XCTAssertThrowsError(try vault.credential(for: a)) {
            XCTAssertEqual($0 as? VaultError, .damaged(profile: "a"))
        }
        XCTAssertThrowsError(try vault.credential(for: b)) {
            XCTAssertEqual($0 as? VaultError, .damaged(profile: "b"))
        }
    }

    func testNewerSchemaIsRefused() throws {
        let folder = TemporaryDirectory()
        let home = home(folder)
        do {
            let vault = try open(home)
            try vault.database.execute("PRAGMA user_version = \(VaultSchema.currentVersion + 1)")
        }
        assertOpenFails(home) {
            XCTAssertEqual(
                $0, .newerSchema(found: VaultSchema.currentVersion + 1, supported: VaultSchema.currentVersion)
            )
        }
    }

    func testGarbageFileIsCorrupt() throws {
        let folder = TemporaryDirectory()
        let home = home(folder)
        _ = try open(home)
        for suffix in ["-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: home.vaultPath + suffix)
        }
        writeFile(home.vaultPath, SecureRandom.bytes(count: 8192))
        let before = fileBytes(home.vaultPath)
        assertOpenFails(home) { XCTAssertEqual($0, .corrupt(path: home.vaultPath)) }
        XCTAssertEqual(fileBytes(home.vaultPath), before)
    }

    func testForeignDatabaseIsCorrupt() throws {
        let folder = TemporaryDirectory()
        let home = home(folder)
        makeFolders(home.path)
        _ = try KeyFile.create(path: home.keyPath)
        writeFile(home.vaultPath, [])
        do {
            let other = try Database(path: home.vaultPath, create: false)
            try other.execute("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine')")
        }
        assertOpenFails(home) { XCTAssertEqual($0, .corrupt(path: home.vaultPath)) }
        let check = try Database(path: home.vaultPath, create: false)
        let statement = try check.prepare("SELECT body FROM notes")
        XCTAssertTrue(try statement.step())
        XCTAssertEqual(statement.text(at: 0), "mine", "the foreign database is left alone")
    }

    // MARK: No plaintext on disk

    func testSecretsNeverReachTheFilesInPlaintext() throws {
        let folder = TemporaryDirectory()
        let home = home(folder)
        let apiKey = "sk-kimi-CANARY-" + SecureRandom.hex(count: 12)
        let newKey = "sk-kimi-CANARY2-" + SecureRandom.hex(count: 12)
        let access = "access-CANARY-" + SecureRandom.hex(count: 12)
        let refresh = "refresh-CANARY-" + SecureRandom.hex(count: 12)
        let account = "canary-\(SecureRandom.hex(count: 6))@example.com"
        let keyProfile = makeProfile("canary-key-profile")
        let oauthProfile = makeProfile("canary-oauth-profile", kind: .oauth)
        let secrets = [apiKey, newKey, access, refresh, account]
        let files = [home.vaultPath, home.vaultPath + "-wal"]

        func assertNoSecrets(_ moment: String) {
            for path in files {
                let contents = fileBytes(path)
                for secret in secrets {
                    XCTAssertFalse(bytes(contents, contain: secret), "\(moment): \(path) holds a secret")
                }
            }
            // The scan does see what SQLite wrote: the plaintext profile names are there.
            XCTAssertTrue(
                files.contains { bytes(fileBytes($0), contain: "canary-key-profile") },
                "\(moment): scan is blind")
        }

        do {
            let vault = try open(home)
            try vault.add(keyProfile, credential: .apiKey(Secret(apiKey)))
            try vault.add(
                oauthProfile,
                credential: .oauth(makeTokens(access: access, refresh: refresh, account: account)))
            assertNoSecrets("after add")
            try vault.updateCredential(.apiKey(Secret(newKey)), for: keyProfile)
            try vault.updateCredential(
                .oauth(makeTokens(access: access + "x", refresh: refresh + "x", account: account)),
                for: oauthProfile)
            assertNoSecrets("after update")
            XCTAssertEqual(try vault.credential(for: keyProfile), .apiKey(Secret(newKey)))
        }
        assertNoSecrets("after close")
    }
}
