/// The one-line quota summary after an `exec` session that ran through the wrapper (SPEC §8):
/// usage is fetched in the background as the command starts, without delaying it, and again
/// when it ends.
public final class SessionUsage: @unchecked Sendable {
    // `startReport` is written by the background thread and read after it is joined.
    private let lock = Lock()
    private let fetch: @Sendable () -> UsageReport?
    private let clock: Clock
    private var startReport: Fetched?
    private var thread: PosixThread?

    /// One fetch and when it was made.
    public struct Fetched: Sendable {
        public let report: UsageReport
        public let at: Double
    }

    /// - Parameter fetch: one fetch of the profile's usage; nil when it failed.
    public init(clock: Clock = .system, fetch: @escaping @Sendable () -> UsageReport?) {
        self.clock = clock
        self.fetch = fetch
    }

    /// Starts the first fetch on a thread of its own.
    public func begin() {
        thread = PosixThread.start { [self] in
            let fetched = take()
            lock.withLock { startReport = fetched }
        }
    }

    /// Fetches again and returns both fetches, or nil when either failed.
    public func finish() -> (start: Fetched, end: Fetched)? {
        thread?.join()
        thread = nil
        guard let start = lock.withLock({ startReport }), let end = take() else { return nil }
        return (start, end)
    }

    private func take() -> Fetched? {
        let at = clock.now()
        return fetch().map { Fetched(report: $0, at: at) }
    }

    /// "this session used 3.2% of the 5-hour window (82% left) and 1% of the 7-day window (73% left)".
    public static func summary(start: UsageReport, end: UsageReport) -> String? {
        var parts: [String] = []
        for window in end.windows.sorted(by: { $0.seconds < $1.seconds }) {
            guard let before = start.windows.first(where: { $0.key == window.key }), window.limit > 0 else { continue }
            // A window that reset during the session counts from zero.
            let used = window.used >= before.used ? window.used - before.used : window.used
            let share = used / window.limit * 100
            let shareText = share < 10 && share != share.rounded() ? String(Double(Int(share * 10)) / 10) : String(Int(share.rounded()))
            let left = Int((window.remainingShare * 100).rounded())
            parts.append("\(shareText)% of the \(window.name) window (\(left)% left)")
        }
        guard !parts.isEmpty else { return nil }
        return "this session used " + parts.joined(separator: " and ")
    }
}
