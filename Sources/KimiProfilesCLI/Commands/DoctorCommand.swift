import KimiProfilesCore

/// `doctor [--fix]`: checks the home folder, the vault and its key, every profile, the clock,
/// the trust store, `opencode` and the `.kimi-profile` that applies here, one line each.
///
/// Warnings keep the exit status 0; any failure makes it 1. Being offline is neither (SPEC §9):
/// the clock check then says `skip`. `--fix` changes file and folder modes and nothing else.
struct DoctorCommand: Command {
    static let name = "doctor"
    static let abstract = "check the home folder, vault, profiles, clock and setup"
    static let usage = "doctor [--fix]"
    static let discussion = """
        Prints one line per check, starting with ok, warn, fail or skip: the home folder is
        0700 and vault.db, vault.key (and vault.db-wal, vault.db-shm) are 0600; the key opens
        the vault; every profile's credential opens; each OAuth profile's state and the age of
        its login (refresh tokens last about 30 days: warn from 25); the clock against the Date
        header of the first profile's API host (skipped when offline or with no profile; warn
        beyond 60 s); a trust store (SSL_CERT_FILE, SSL_CERT_DIR or
        /etc/ssl/certs/ca-certificates.crt); opencode on PATH (optional: warn only); and the
        .kimi-profile that applies in this folder.

        Exits 0 when nothing failed (warnings and skipped checks allowed), 1 otherwise. --fix
        sets the folder to 0700 and the files to 0600 and says what it changed; it repairs
        nothing else.
        """
    static let options: [OptionSpec] = [
        OptionSpec("fix", help: "set the home folder to 0700 and its files to 0600")
    ]

    /// A check's verdict, as the first word of its line.
    enum Verdict: String {
        case ok, warn, fail, skip
    }

    /// A skew beyond this many seconds is worth a warning.
    static let skewLimit = 60.0
    static let defaultTrustStore = "/etc/ssl/certs/ca-certificates.crt"

    let fix: Bool

    init(_ arguments: ParsedArguments) throws {
        try arguments.noOperands(for: Self.self)
        fix = arguments.has("fix")
    }

    func run(_ context: Context) throws -> Int32 {
        var report = Report(out: context.stdout)
        let home = try context.home()
        let modesOK = checkModes(home, &report)
        let profiles = checkVault(home, modesOK: modesOK, context, &report)
        checkClock(profiles, context, &report)
        checkTrustStore(context, &report)
        checkOpencode(context, &report)
        checkProjectFile(profiles, context, &report)
        report.summary(fix: fix)
        return report.failures == 0 ? ExitStatus.success : ExitStatus.failure
    }

    // MARK: Checks

    /// Modes of the folder and files; with --fix, repairs them. False when a wrong mode is left.
    private func checkModes(_ home: HomeFolder, _ report: inout Report) -> Bool {
        var allRight = true
        for item in HomeCheck.items(in: home) {
            let what = item.isDirectory ? "home folder \(item.path)" : item.path
            guard let actual = item.actual else {
                if item.isDirectory {
                    report.add(.warn, "home folder \(item.path) does not exist yet (made by the first 'kimi-profiles add')")
                    return true
                }
                continue  // vault.db and vault.key: the vault check says what their absence means
            }
            if item.isDirectory != FileSystem.isDirectory(item.path) {
                report.add(.fail, "\(item.path) is not a \(item.isDirectory ? "folder" : "file")")
                allRight = false
                continue
            }
            if item.isCorrect {
                report.add(.ok, "\(what) is \(HomeCheck.octal(item.expected))")
                continue
            }
            if fix {
                do {
                    try HomeCheck.repair(item)
                    report.add(.ok, "\(what) is \(HomeCheck.octal(item.expected)) (fixed: was \(HomeCheck.octal(actual)))")
                    continue
                } catch {
                    report.add(.fail, "\(what) is \(HomeCheck.octal(actual)) and cannot be fixed: \(error)")
                }
            } else {
                report.add(
                    .fail,
                    "\(what) is \(HomeCheck.octal(actual)), should be \(HomeCheck.octal(item.expected))"
                        + " (run 'kimi-profiles doctor --fix' or chmod \(HomeCheck.octal(item.expected).dropFirst()) '\(item.path)')")
            }
            allRight = false
        }
        return allRight
    }

    /// The key check and every profile; returns the profiles (empty when the vault is absent
    /// or does not open).
    private func checkVault(_ home: HomeFolder, modesOK: Bool, _ context: Context, _ report: inout Report) -> [Profile] {
        guard FileSystem.isDirectory(home.path) else { return [] }
        let hasVault = FileSystem.exists(home.vaultPath)
        let hasKey = FileSystem.exists(home.keyPath)
        if !hasVault {
            report.add(hasKey ? .ok : .warn, "no vault yet in \(home.path) (no profile added)")
            return []
        }
        guard modesOK else {
            report.add(.skip, "key check (the modes above must be fixed first)")
            return []
        }
        let vault: Vault
        let profiles: [Profile]
        do {
            guard let opened = try Vault.open(home: home, create: false, clock: context.clock) else { return [] }
            vault = opened
            profiles = try vault.profiles()
        } catch {
            report.add(.fail, "the vault does not open: \(error)")
            return []
        }
        report.add(.ok, "the key opens the vault (\(profiles.count) profile\(profiles.count == 1 ? "" : "s"))")
        let now = context.clock.seconds()
        for profile in profiles {
            let state = ProfileState.of(profile, in: vault, now: now)
            let label = "profile '\(profile.name)' (\(profile.kind.rawValue))"
            switch state {
            case .damaged:
                report.add(
                    .fail,
                    "\(label) is damaged: its credential does not open (remove it with 'kimi-profiles remove \(profile.name)' and add it again)")
            case .loginRequired:
                report.add(.fail, "\(label): login required (run 'kimi-profiles login \(profile.name)')")
            case .ready:
                report.add(.ok, "\(label): ready")
            case .valid, .refreshable:
                let summary = state.summary(profile, now: now)
                guard let age = profile.refreshTokenAge(now: now) else {
                    report.add(.ok, "\(label): \(summary), login age unknown")
                    continue
                }
                let days = age / 86400
                let ageText = "login \(days) day\(days == 1 ? "" : "s") old"
                if profile.agingRefreshTokenDays(now: now) != nil {
                    report.add(
                        .warn,
                        "\(label): \(summary), \(ageText); refresh tokens last about 30 days: run 'kimi-profiles login \(profile.name)'")
                } else {
                    report.add(.ok, "\(label): \(summary), \(ageText)")
                }
            }
        }
        return profiles
    }

    /// The clock against the `Date` of the first profile's API host, with short timeouts.
    private func checkClock(_ profiles: [Profile], _ context: Context, _ report: inout Report) {
        guard let profile = profiles.first else {
            report.add(.skip, "clock (no profile to check against)")
            return
        }
        guard let origin = HTTPURL(profile.baseURL) else {
            report.add(.skip, "clock (profile '\(profile.name)' has an unusable base URL)")
            return
        }
        let client = HTTPClient(
            configuration: HTTPClientConfiguration(
                connectTimeout: 3, readTimeout: 5, totalTimeout: 5, maxBodyBytes: 64 * 1024,
                userAgent: KimiProfilesVersion.userAgent, environment: context.environment))
        switch ServerClock.read(origin: origin, transport: client, clock: context.clock) {
        case let .skew(skew):
            let seconds = Int64(skew.magnitude.rounded())
            if skew.magnitude > Self.skewLimit {
                let direction = skew > 0 ? "behind" : "ahead of"
                report.add(
                    .warn,
                    "clock is \(Formatting.duration(seconds)) \(direction) \(origin.host) (tokens may look expired or fresh when they are not: set the time with NTP)")
            } else {
                report.add(.ok, "clock within \(seconds)s of \(origin.host)")
            }
        case let .offline(reason):
            report.add(.skip, "clock (offline: \(reason))")
        case let .unavailable(reason):
            report.add(.warn, "clock not checked: \(reason)")
        }
    }

    /// OpenSSL's trust store: what SSL_CERT_FILE / SSL_CERT_DIR name, else Debian's bundle.
    private func checkTrustStore(_ context: Context, _ report: inout Report) {
        var named = false
        for (variable, wantsFolder) in [("SSL_CERT_FILE", false), ("SSL_CERT_DIR", true)] {
            guard let value = context.environment[variable], !value.isEmpty else { continue }
            named = true
            let present = wantsFolder
                ? value.split(separator: ":").contains { FileSystem.isDirectory(String($0)) }
                : FileSystem.exists(value) && !FileSystem.isDirectory(value)
            report.add(
                present ? .ok : .fail,
                present ? "trust store \(value) (\(variable))" : "trust store \(value) from \(variable) does not exist")
        }
        guard !named else { return }
        if FileSystem.exists(Self.defaultTrustStore) {
            report.add(.ok, "trust store \(Self.defaultTrustStore)")
        } else {
            report.add(
                .fail,
                "no trust store at \(Self.defaultTrustStore) (install ca-certificates, or set SSL_CERT_FILE)")
        }
    }

    private func checkOpencode(_ context: Context, _ report: inout Report) {
        if let path = try? ExecutableLookup.resolve("opencode", path: context.environment["PATH"]) {
            report.add(.ok, "opencode at \(path)")
        } else {
            report.add(.warn, "opencode not found on PATH (optional: exec runs any command)")
        }
    }

    private func checkProjectFile(_ profiles: [Profile], _ context: Context, _ report: inout Report) {
        guard let path = ProjectFile.find(from: context.workingDirectory) else {
            report.add(.ok, "no \(ProjectFile.fileName) applies in \(context.workingDirectory)")
            return
        }
        do {
            let name = try ProjectFile.read(path)
            if profiles.contains(where: { $0.name == name }) {
                report.add(.ok, "\(path) names profile '\(name)'")
            } else {
                report.add(.fail, "\(path) names profile '\(name)', which does not exist")
            }
        } catch {
            report.add(.fail, "\(path): \(error)")
        }
    }

    // MARK: Output

    /// The lines so far and the count of failures and warnings.
    struct Report {
        let out: Output
        var failures = 0
        var warnings = 0

        mutating func add(_ verdict: Verdict, _ what: String) {
            switch verdict {
            case .fail: failures += 1
            case .warn: warnings += 1
            default: break
            }
            let word = verdict.rawValue.padding(toLength: 4, withPad: " ", startingAt: 0)
            let color: Output.Color =
                switch verdict {
                case .ok: .green
                case .warn: .yellow
                case .fail: .red
                case .skip: .dim
                }
            out.line(out.paint(word, color) + "  " + what)
        }

        func summary(fix: Bool) {
            func count(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
            if failures == 0 {
                out.line(warnings == 0 ? "healthy" : "healthy, with \(count(warnings, "warning"))")
            } else {
                var line = "\(count(failures, "problem")), \(count(warnings, "warning"))"
                if !fix { line += "; 'kimi-profiles doctor --fix' repairs file modes" }
                out.line(line)
            }
        }
    }
}
