import KimiProfilesCore

/// `usage`: plan, quota windows, reset times and projections for one profile or all of them.
struct UsageCommand: Command {
    static let name = "usage"
    static let abstract = "show plan, quota windows, reset times and projections"
    static let usage = "usage [-p NAME | --all] [--json]"
    static let discussion = """
        Fetches GET <base>/usages with the profile's credential (refreshing an OAuth token first
        when it must, and once more if Kimi refuses it). Each fetch is recorded in the vault, so
        that later runs can project, from the recent pace, whether each window lasts until its
        reset. With --all, every profile is fetched at once; one profile's failure is shown on
        its own line and the exit status is 1.
        """
    static let options: [OptionSpec] = [
        .profile,
        OptionSpec("all", help: "every profile, fetched concurrently"),
        .json,
    ]

    let explicit: String?
    let all: Bool
    let json: Bool

    init(_ arguments: ParsedArguments) throws {
        try arguments.noOperands(for: Self.self)
        explicit = arguments.value("profile")
        all = arguments.has("all")
        json = arguments.has("json")
        if all && explicit != nil { throw UsageError("give -p NAME or --all, not both", command: Self.self) }
    }

    /// One profile's outcome.
    struct Outcome {
        let profile: Profile
        var result: Result<UsageReport, any Error>
        var fetchedAt: Double
        var projections: [String: UsageProjection] = [:]
    }

    func run(_ context: Context) throws -> Int32 {
        let vault = try context.openVault(create: false)
        let profiles: [Profile]
        if all {
            profiles = try vault?.profiles() ?? []
            guard !profiles.isEmpty else { throw ProfileError.noneSelected }
        } else {
            profiles = [try context.resolver(explicit: explicit).resolve(in: vault).profile]
        }
        guard let vault else { throw ProfileError.noneSelected }
        var outcomes = fetch(profiles, vault: vault, context)
        for index in outcomes.indices {
            guard case let .success(report) = outcomes[index].result else { continue }
            let profile = outcomes[index].profile
            // The samples only feed projections: failing to record them never fails the command.
            do {
                try vault.recordUsage(report, for: profile, at: outcomes[index].fetchedAt)
            } catch {
                context.log("cannot record usage of \(profile.name): \(error)")
            }
            for window in report.windows {
                let samples = (try? vault.usageSamples(for: profile, window: window.key)) ?? []
                outcomes[index].projections[window.key] = UsageProjection.project(
                    window, samples: samples, now: outcomes[index].fetchedAt)
            }
        }
        render(outcomes, context)
        let failures = outcomes.compactMap { outcome -> (any Error)? in
            if case let .failure(error) = outcome.result { return error }
            return nil
        }
        if !all, let failure = failures.first {
            if json { return ErrorReport.classify(failure).0 }
            throw failure
        }
        return failures.isEmpty ? ExitStatus.success : ExitStatus.failure
    }

    /// Credentials are made fresh one by one (the vault is single-threaded), then every
    /// `/usages` request runs at once; a refused OAuth token is refreshed and retried once.
    private func fetch(_ profiles: [Profile], vault: Vault, _ context: Context) -> [Outcome] {
        let refresher = context.refresher(vault)
        var credentials: [Result<Secret, any Error>] = profiles.map { profile in
            Result { try refresher.freshCredential(for: profile).bearer }
        }
        let client = UsageClient(transport: context.transport(), log: context.log, clock: context.clock)
        var results = fetchConcurrently(profiles, credentials, client)
        for (index, profile) in profiles.enumerated() {
            guard case .failure(UsageClient.Failure.rejected(_, 401)) = results[index], profile.kind == .oauth,
                case .success = credentials[index],
                case let .oauth(tokens)? = try? vault.credential(for: profile)
            else { continue }
            // Refused although it looked fresh: refresh once, then try again.
            credentials[index] = Result {
                try refresher.refresh(profile, seen: tokens).accessToken
            }
            if case let .success(secret) = credentials[index] {
                results[index] = client.fetch(profile: profile, credential: secret).mapError { $0 as any Error }
            } else if case let .failure(error) = credentials[index] {
                results[index] = .failure(error)
            }
        }
        return zip(profiles, results).map { Outcome(profile: $0, result: $1, fetchedAt: context.clock.now()) }
    }

    private func fetchConcurrently(
        _ profiles: [Profile], _ credentials: [Result<Secret, any Error>], _ client: UsageClient
    ) -> [Result<UsageReport, any Error>] {
        let box = ResultsBox(count: profiles.count)
        // A thread per profile: the waits are on the network, so they should all overlap.
        var threads: [PosixThread] = []
        for (index, profile) in profiles.enumerated() {
            switch credentials[index] {
            case let .failure(error):
                box.set(index, .failure(error))
            case let .success(secret):
                let fetch: @Sendable () -> Void = {
                    box.set(index, client.fetch(profile: profile, credential: secret).mapError { $0 as any Error })
                }
                if let thread = PosixThread.start(fetch) { threads.append(thread) } else { fetch() }
            }
        }
        threads.forEach { $0.join() }
        return box.results
    }

    private func render(_ outcomes: [Outcome], _ context: Context) {
        let out = context.stdout
        if json {
            let items = outcomes.map { outcome -> JSONValue in
                var object: [String: JSONValue] = ["name": .string(outcome.profile.name)]
                switch outcome.result {
                case let .success(report):
                    object["ok"] = .bool(true)
                    object.merge(UsageView.json(report, projections: outcome.projections, fetchedAt: outcome.fetchedAt)) { $1 }
                case let .failure(error):
                    let (status, message, _) = ErrorReport.classify(error)
                    object["ok"] = .bool(false)
                    object["error"] = .string(message)
                    object["exit_status"] = .integer(Int64(status))
                }
                return .object(object)
            }
            out.line(JSONValue.object(["profiles": .array(items)]).prettyText())
            return
        }
        for (index, outcome) in outcomes.enumerated() {
            if index > 0 { out.line() }
            switch outcome.result {
            case let .success(report):
                let plan = report.planName.map { " — \($0)" } ?? ""
                out.line(out.paint(outcome.profile.name, .bold) + plan)
                for line in UsageView.lines(report, projections: outcome.projections, now: outcome.fetchedAt, paint: out.paint) {
                    out.line(line)
                }
            case let .failure(error):
                guard all else { continue }
                let (_, message, hint) = ErrorReport.classify(error)
                out.line(out.paint(outcome.profile.name, .bold) + ": " + out.paint("failed: " + message, .red))
                if let hint { out.line("  hint: " + hint) }
            }
        }
    }
}

/// Results written from several threads, each index once.
private final class ResultsBox: @unchecked Sendable {
    private let lock = Lock()
    private var storage: [Result<UsageReport, any Error>]

    init(count: Int) {
        storage = Array(repeating: .failure(UsageClient.Failure.network("not fetched")), count: count)
    }

    func set(_ index: Int, _ result: Result<UsageReport, any Error>) { lock.withLock { storage[index] = result } }
    var results: [Result<UsageReport, any Error>] { lock.withLock { storage } }
}

