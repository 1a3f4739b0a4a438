import Foundation
import KimiProfilesCore
import TestSupport
import XCTest

/// Crash safety at CI size (issue 7 item 1; `scripts/crash` runs the full sample): the built
/// binary is SIGKILLed at a random point of `add`, `login`, a refresh, `rename`, `use` and
/// `remove`, and after each kill the vault must open, pass its key check and hold every profile
/// wholly in its old or its new state, with a live refresh token.
///
/// Each operation first runs uninterrupted to time it; the kill points then fall one in each
/// equal slice of [0, 1.2 × that time], in a shuffled order drawn from a fixed seed, so some
/// runs are killed early, some near their commit and some finish. The delay is input, not an
/// assertion. The fake server's refresh tokens are single-use and rotate; `RefreshLedgerServer`
/// says which one is live without spending it, and models the network of a refresh grant: a
/// client killed while its request is in transit never reaches the server.
///
/// One loss cannot be prevented by any client: once a refresh request has reached the server,
/// the server rotates the token, and a process killed before it commits the successor keeps a
/// spent one. Such a trial is asserted to be exactly that (killed, the stored token is the one
/// this run presented, spent during this run), to end in exit 4 "login required" rather than a
/// damaged vault, and to be repaired by `login`; any other spent token fails the test.
final class CrashSafetyEndToEndTests: EndToEndTestCase {
    private var kimi: FakeKimi!
    private var server: RefreshLedgerServer!
    private var reference: Schema!

    /// Runs after `EndToEndTestCase.setUp` has made the temporary folder.
    private func prepare() throws {
        kimi = FakeKimi()
        kimi.accessTokenLifetime = 60  // under 300 s: `token` on an OAuth profile always refreshes first
        server = try RefreshLedgerServer(kimi)
        server.setDelays(request: 0.03, reply: 0.005)
        let scratch = BinaryRunner(folder: folder, environment: ["KIMI_PROFILES_HOME": folder.url("reference-home")])
        XCTAssertEqual(scratch.runSpawned(["add", "reference", "--api-key-stdin"], stdin: workKey).status, 0)
        reference = try Schema(path: folder.url("reference-home") + "/vault.db")
    }

    override func tearDown() {
        server?.stop()
        server = nil
        super.tearDown()
    }

    func testAddSurvivesSIGKILL() throws { try runTrials(.add, count: 6, seed: 0x6164_6401) }
    func testLoginSurvivesSIGKILL() throws { try runTrials(.login, count: 6, seed: 0x6C6F_6702) }
    func testRefreshSurvivesSIGKILL() throws { try runTrials(.refresh, count: 8, seed: 0x7265_6603) }
    func testRenameSurvivesSIGKILL() throws { try runTrials(.rename, count: 8, seed: 0x7265_6E04) }
    func testUseSurvivesSIGKILL() throws { try runTrials(.use, count: 8, seed: 0x7573_6505) }
    func testRemoveSurvivesSIGKILL() throws { try runTrials(.remove, count: 8, seed: 0x726D_7606) }

    /// The state a kill between the first migration's commit and the switch to WAL leaves
    /// (found by scripts/crash): the next open must put the vault into WAL, not keep it in
    /// rollback mode for good.
    func testAVaultLeftInRollbackModeIsPutIntoWALOnTheNextOpen() throws {
        addKeyProfile("work", key: workKey)
        do {
            let database = try Database(path: vaultPath, create: false)
            try database.execute("PRAGMA journal_mode = DELETE")
        }
        XCTAssertEqual(try Schema(path: vaultPath).journalMode, "delete")
        let list = cli.runSpawned(["list", "--json"])
        XCTAssertEqual(list.status, 0, list.stderr)
        XCTAssertEqual(try Schema(path: vaultPath).journalMode, "wal")
        XCTAssertTrue(cli.runSpawned(["token", "-p", "work"]).stdout == workKey + "\n", "the key no longer reads back")
    }

    // MARK: The trials

    private enum Operation: String {
        case add, login, refresh, rename, use, remove

        var variants: [String] {
            switch self {
            case .add: return ["api-key", "oauth", "api-key, new home"]
            case .login: return ["login"]
            case .refresh: return ["token", "exec --no-proxy"]
            case .rename, .remove: return ["api-key", "oauth"]
            case .use: return ["use", "use --project"]
            }
        }
    }

    private func runTrials(_ operation: Operation, count: Int, seed: UInt64) throws {
        try prepare()
        var random = SplitMix64(seed: seed)
        let world = try World(test: self)
        // Time each variant uninterrupted (the device flow waits a fixed 1 s interval, so once is enough).
        var medians: [String: Double] = [:]
        for variant in operation.variants {
            let runs = operation == .login || variant == "oauth" ? 1 : 2
            var times: [Double] = []
            for _ in 0..<runs {
                let trial = try run(operation, variant, delay: nil, world: world, label: "timing \(variant)", random: &random)
                times.append(trial.duration ?? 0)
                try world.replenish()
            }
            medians[variant] = times.sorted()[times.count / 2]
        }
        // One kill point in each slice of [0, 1.2 × median], shuffled.
        var slices = Array(0..<count)
        slices.shuffle(using: &random)
        var killed = 0
        var lost = 0
        for (index, slice) in slices.enumerated() {
            let variant = operation.variants[index % operation.variants.count]
            let span = 1.2 * (medians[variant] ?? 0)
            let delay = (Double(slice) + Double.random(in: 0..<1, using: &random)) / Double(count) * span
            let label = "trial \(index + 1) (\(operation.rawValue) \(variant), kill at \(Int(delay * 1000)) ms)"
            let trial = try run(operation, variant, delay: delay, world: world, label: label, random: &random)
            killed += trial.killed ? 1 : 0
            lost += trial.lostInFlight
            try world.replenish()
        }
        print(
            "crash safety: \(operation.rawValue): \(count) trials, \(killed) killed, \(count - killed) exited; "
                + "refresh tokens lost in flight: \(lost); refresh requests dropped in transit: \(server.droppedInTransit)")
    }

    private struct Outcome {
        var killed = false
        var duration: Double?
        var lostInFlight = 0
    }

    private func run(
        _ operation: Operation, _ variant: String, delay: Double?, world: World, label: String,
        random: inout SplitMix64
    ) throws -> Outcome {
        let target: String
        var newName: String?
        var stdin: String?
        var cwd: String?
        var addedKey: String?
        let arguments: [String]
        switch operation {
        case .add:
            if variant == "api-key, new home" { try world.startOver() }
            target = world.unique("added")
            if variant.hasPrefix("api-key") {
                addedKey = "sk-kimi-crash-" + UUID().uuidString
                stdin = addedKey! + "\n"
                arguments = ["add", target, "--api-key-stdin"]
            } else {
                arguments = ["add", target] + world.oauthOptions
            }
        case .login:
            target = world.pick(kind: "oauth", &random)
            arguments = ["login", target, "--no-browser"]
        case .refresh:
            target = world.pick(kind: "oauth", &random)
            arguments = variant == "token" ? ["token", "-p", target] : ["exec", "-p", target, "--no-proxy", "--", "/bin/true"]
        case .rename:
            target = world.pick(kind: variant, &random)
            newName = world.unique("renamed")
            arguments = ["rename", target, newName!]
        case .use:
            if variant == "use" {
                target = world.pick(excluding: world.state.active, &random)
                arguments = ["use", target]
            } else {
                target = world.pick(excluding: world.projectFile, &random)
                arguments = ["use", "--project", target]
                cwd = world.project
            }
        case .remove:
            target = world.pick(kind: variant, &random)
            arguments = ["remove", target, "--yes"]
        }
        let before = world.state
        let projectBefore = world.projectFile
        let started = Date().timeIntervalSince1970
        let process = try world.runner.start(arguments, stdin: stdin, cwd: cwd)
        if let delay {
            process.kill(after: delay)
            if let killedAt = process.killedAt { server.noteKill(at: killedAt) }
        }
        let result = process.wait()
        var outcome = Outcome(killed: result.signaled && result.status == SIGKILL, duration: process.duration)
        let killed = outcome.killed
        if !killed {
            XCTAssertEqual(result.status, 0, "\(label): exited without being killed: \(result.stderr)")
        }

        // The binary opens the vault and passes the key check (5 would be a vault problem).
        let list = world.runner.runSpawned(["list", "--json"])
        XCTAssertEqual(list.status, 0, "\(label): list --json: \(list.stderr)")
        let listed = (jsonObject(list.stdout)["profiles"] as? [[String: Any]]) ?? []
        let doctor = world.runner.runSpawned(["doctor"])
        XCTAssertEqual(doctor.status, 0, "\(label): doctor: " + doctor.stdout)
        let after = try world.read(label: label, reference: reference)
        XCTAssertEqual(
            Set(listed.compactMap { $0["name"] as? String }), Set(after.profiles.keys),
            "\(label): list --json and the vault disagree")
        for (name, stored) in after.profiles where stored.kind == "api-key" {
            let token = world.runner.runSpawned(["token", "-p", name])
            XCTAssertEqual(token.status, 0, "\(label): token -p \(name)")
            XCTAssertTrue(token.stdout == stored.secret[0] + "\n", "\(label): token -p \(name) printed another key")
        }
        for name in [target, newName].compactMap({ $0 }) where after.profiles[name] != nil {
            let show = world.runner.runSpawned(["show", name, "--json"])
            XCTAssertEqual(show.status, 0, "\(label): show \(name)")
            XCTAssertEqual(jsonObject(show.stdout)["id"] as? String, after.profiles[name]?.id, "\(label): show \(name)")
        }

        // Old or new state, and the new one when the run was not killed.
        let old = before.profiles[target]
        let now = after.profiles[target]
        switch operation {
        case .add:
            if let now {
                if let addedKey {
                    XCTAssertEqual(now.kind, "api-key", label)
                    XCTAssertTrue(now.secret == [addedKey], "\(label): the added profile holds another key")
                } else {
                    XCTAssertEqual(now.kind, "oauth", label)
                    let record = server.record(of: now.secret[1])
                    XCTAssertEqual(record?.origin, "device", "\(label): tokens this login did not obtain")
                    XCTAssertGreaterThanOrEqual(record?.issuedAt ?? 0, started, "\(label): tokens from before this login")
                }
                // Stored and made active in one transaction: present means activated.
                let activates = before.active == nil || variant.contains("--use")
                XCTAssertEqual(after.active, activates ? target : before.active, "\(label): active profile")
            } else {
                XCTAssertTrue(killed, "\(label): exited 0 but the profile is missing")
                XCTAssertEqual(after.active, before.active, label)
            }
        case .login, .refresh:
            let old = try XCTUnwrap(old, label)
            let now = try XCTUnwrap(now, "\(label): the profile is gone")
            XCTAssertEqual(now.id, old.id, label)
            if now.secret == old.secret {
                XCTAssertTrue(killed, "\(label): exited 0 but the tokens did not change")
            } else if operation == .login {
                let record = server.record(of: now.secret[1])
                XCTAssertEqual(record?.origin, "device", "\(label): neither the old tokens nor this login's")
                XCTAssertGreaterThanOrEqual(record?.issuedAt ?? 0, started, "\(label): neither the old tokens nor this login's")
            } else {
                XCTAssertTrue(
                    server.record(of: old.secret[1])?.successor == now.secret[1],
                    "\(label): neither the old tokens nor their successor")
            }
        case .rename:
            let renamed = after.profiles[newName!]
            XCTAssertTrue((now == nil) != (renamed == nil), "\(label): both or neither name exist")
            XCTAssertEqual(now ?? renamed, old, "\(label): the id or credential changed")
            if !killed { XCTAssertNotNil(renamed, "\(label): exited 0 but the old name remains") }
            let expected = before.active == target && renamed != nil ? newName : before.active
            XCTAssertEqual(after.active, expected, label)
        case .use:
            XCTAssertEqual(after.profiles, before.profiles, "\(label): a profile changed")
            if variant == "use" {
                XCTAssertTrue(
                    after.active == target || (killed && after.active == before.active),
                    "\(label): active is \(after.active ?? "none")")
            } else {
                XCTAssertEqual(after.active, before.active, label)
                XCTAssertTrue(
                    world.projectFile == target || (killed && world.projectFile == projectBefore),
                    "\(label): .kimi-profile names \(world.projectFile ?? "nothing")")
                let strays = (try? FileManager.default.contentsOfDirectory(atPath: world.project))?
                    .filter { $0.contains(".tmp-") } ?? []
                XCTAssertEqual(strays, [], "\(label): a temporary file outlived the kill")
            }
        case .remove:
            if let now {
                XCTAssertTrue(killed, "\(label): exited 0 but the profile is still there")
                XCTAssertEqual(now, old, "\(label): a kept profile changed")
                XCTAssertEqual(after.active, before.active, label)
            } else {
                XCTAssertEqual(after.active, before.active == target ? nil : before.active, label)
            }
        }
        // Every profile the operation did not touch is exactly as it was.
        for (name, stored) in before.profiles where name != target {
            XCTAssertEqual(after.profiles[name], stored, "\(label): untouched profile '\(name)' changed")
        }
        for name in Set(after.profiles.keys).subtracting(before.profiles.keys) where name != target && name != newName {
            XCTFail("\(label): profile '\(name)' appeared from nowhere")
        }

        // No refresh token lost, except in the window no client can close (see above).
        for (name, stored) in after.profiles where stored.kind == "oauth" {
            let record = server.record(of: stored.secret[1])
            XCTAssertNotNil(record, "\(label): '\(name)' holds a refresh token the server never issued")
            guard let record, !record.isLive else { continue }
            let presentedNow = operation == .refresh && name == target && stored.secret == old?.secret
            XCTAssertTrue(
                killed && presentedNow && (record.spentAt ?? 0) >= started,
                "\(label): '\(name)' holds a spent refresh token outside the in-flight window")
            outcome.lostInFlight += 1
            let refused = world.runner.runSpawned(["token", "-p", name])
            XCTAssertEqual(refused.status, 4, "\(label): a spent refresh token must mean login required")
            let login = world.runner.runSpawned(["login", name, "--no-browser"])
            XCTAssertEqual(login.status, 0, "\(label): login after the loss: \(login.stderr)")
        }
        // The OAuth profile the operation touched still refreshes.
        for name in [target, newName].compactMap({ $0 }) where after.profiles[name]?.kind == "oauth" && outcome.lostInFlight == 0 {
            let token = world.runner.runSpawned(["token", "-p", name])
            XCTAssertEqual(token.status, 0, "\(label): token -p \(name) (refresh): \(token.stderr)")
        }
        world.state = try world.read(label: label, reference: reference)
        return outcome
    }

    // MARK: The home

    /// One home and what the test last saw in it.
    private final class World {
        let test: CrashSafetyEndToEndTests
        var runner: BinaryRunner
        var state = VaultState()
        let project: String
        private var homes: [TemporaryDirectory] = []
        private var counter = 0

        init(test: CrashSafetyEndToEndTests) throws {
            self.test = test
            runner = test.cli
            project = test.folder.makeFolder("project")
            try replenish()
        }

        var oauthOptions: [String] {
            ["--oauth-host", test.server.url, "--base-url", test.server.url + "/coding/v1", "--no-browser"]
        }

        var projectFile: String? { try? ProjectFile.read(project + "/" + ProjectFile.fileName) }

        func unique(_ prefix: String) -> String {
            counter += 1
            return "\(prefix)\(counter)"
        }

        /// Moves to a new, empty home.
        func startOver() throws {
            let folder = TemporaryDirectory("kimi-profiles-crash")
            folder.makeFolder("user-home")
            homes.append(folder)
            runner = BinaryRunner(folder: folder)
            state = VaultState()
        }

        func pick(kind: String? = nil, excluding: String? = nil, _ random: inout SplitMix64) -> String {
            let names = state.profiles.filter { kind == nil || $0.value.kind == kind }.keys.filter { $0 != excluding }.sorted()
            return names.randomElement(using: &random)!
        }

        /// Keeps two profiles of each kind, and the home small.
        func replenish() throws {
            let added = state.profiles.keys.filter { $0.hasPrefix("added") }.sorted()
            for name in added.prefix(max(0, state.profiles.count - 6)) {
                XCTAssertEqual(runner.runSpawned(["remove", name, "--yes"]).status, 0)
            }
            while state.profiles.values.filter({ $0.kind == "api-key" }).count < 2 {
                let name = unique("key")
                XCTAssertEqual(runner.runSpawned(["add", name, "--api-key-stdin"], stdin: "sk-kimi-seed-\(UUID().uuidString)\n").status, 0)
                state = try read(label: "seeding", reference: test.reference)
            }
            while state.profiles.values.filter({ $0.kind == "oauth" }).count < 2 {
                let tokens = test.server.seedTokens()
                let file = test.folder.write(
                    "seed-\(counter).json",
                    #"{"access_token":"\#(tokens.access)","refresh_token":"\#(tokens.refresh)","expires_in":60}"#)
                let name = unique("oauth")
                let imported = runner.runSpawned(
                    ["import", name, "--from", "kimi-cli", "--path", file, "--oauth-host", test.server.url,
                     "--base-url", test.server.url + "/coding/v1"])
                XCTAssertEqual(imported.status, 0, imported.stderr)
                unlink(file)
                state = try read(label: "seeding", reference: test.reference)
            }
            state = try read(label: "replenish", reference: test.reference)
        }

        /// The vault as SQLite and the key see it, checked as it is read.
        func read(label: String, reference: Schema) throws -> VaultState {
            let home = HomeFolder(path: runner.home)
            guard FileSystem.exists(home.vaultPath) else { return VaultState() }
            let schema = try Schema(path: home.vaultPath)
            if schema.isEmpty { return VaultState() }  // made but not yet migrated: the next open does it
            XCTAssertEqual(schema.integrity, "ok", "\(label): integrity_check")
            XCTAssertEqual(schema.journalMode, "wal", "\(label): journal mode")
            XCTAssertEqual(schema.userVersion, reference.userVersion, "\(label): user_version")
            XCTAssertEqual(schema.objects, reference.objects, "\(label): schema")
            let vault: Vault
            do {
                vault = try XCTUnwrap(try Vault.open(home: home, create: false), label)
            } catch {
                XCTFail("\(label): the vault does not open: \(error)")
                throw error
            }
            var state = VaultState()
            for profile in try vault.profiles() {
                let credential: Credential
                do {
                    credential = try vault.credential(for: profile)
                } catch {
                    XCTFail("\(label): profile '\(profile.name)' does not open: \(error)")
                    continue
                }
                let secret: [String]
                switch credential {
                case let .apiKey(key):
                    XCTAssertEqual(profile.kind, .apiKey, "\(label): '\(profile.name)' kind")
                    secret = [text(key)]
                case let .oauth(tokens):
                    XCTAssertEqual(profile.kind, .oauth, "\(label): '\(profile.name)' kind")
                    XCTAssertEqual(profile.accessExpiresAt, tokens.expiresAt, "\(label): '\(profile.name)' expiry columns")
                    XCTAssertNotNil(profile.clientID, label)
                    XCTAssertNotNil(profile.oauthHost, label)
                    secret = [text(tokens.accessToken), text(tokens.refreshToken), String(tokens.expiresAt)]
                }
                state.profiles[profile.name] = Stored(id: profile.id, kind: profile.kind.rawValue, secret: secret)
            }
            state.active = try vault.activeProfile()?.name
            return state
        }

        private func text(_ secret: Secret) -> String {
            secret.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
        }
    }

    private struct Stored: Equatable, CustomStringConvertible {
        let id: String
        let kind: String
        /// [key], or [access, refresh, expiry]; never printed.
        let secret: [String]

        /// What a failed assertion prints: the secrets only as a short digest.
        var description: String {
            let digest = SHA256.hash(Array(secret.joined(separator: "\u{0}").utf8)).withUnsafeBytes {
                $0.prefix(4).map { String(format: "%02x", $0) }.joined()
            }
            return "\(kind) \(id) credential#\(digest)"
        }
    }

    private struct VaultState: Equatable {
        var profiles: [String: Stored] = [:]
        var active: String?
    }

    /// What SQLite itself says about a vault file.
    private struct Schema {
        let objects: [String]
        let userVersion: Int
        let journalMode: String
        let integrity: String

        var isEmpty: Bool { objects.isEmpty && userVersion == 0 }

        init(path: String) throws {
            let database = try Database(path: path, create: false)
            func strings(_ sql: String) throws -> [String] {
                let statement = try database.prepare(sql)
                var rows: [String] = []
                while try statement.step() { rows.append(statement.optionalText(at: 0) ?? "") }
                return rows
            }
            objects = try strings("SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_master").sorted()
            userVersion = Int(try strings("PRAGMA user_version").first ?? "") ?? -1
            journalMode = try strings("PRAGMA journal_mode").first ?? ""
            integrity = try strings("PRAGMA integrity_check").joined(separator: "; ")
        }
    }
}

/// A small seeded generator, so the kill points repeat from run to run.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E4B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
