/// One recorded fetch of a window, kept in the vault (quota numbers are not secret).
public struct UsageSample: Sendable, Equatable {
    public var at: Double
    public var used: Double
    public var limit: Double
    public var resetsAt: Double?

    public init(at: Double, used: Double, limit: Double, resetsAt: Double?) {
        self.at = at
        self.used = used
        self.limit = limit
        self.resetsAt = resetsAt
    }
}

/// Where a window is heading at the recent pace.
public enum UsageProjection: Sendable, Equatable {
    /// Fewer than two usable samples; `reason` says why.
    case unknown(reason: String)
    /// At this pace the quota outlasts the window.
    case lastsUntilReset
    /// At this pace the quota runs out at `at`, `before` seconds before the reset.
    case runsOut(at: Double, before: Double)

    /// The projection for `window` from `samples` (oldest first), ending with the fetch at `now`.
    ///
    /// Only samples of the current window period count (same reset time, used never falling),
    /// and only the last `horizon` seconds of them, so an old burst does not set today's pace.
    public static func project(
        _ window: UsageWindow, samples: [UsageSample], now: Double, horizon: Double = 3 * 3600
    ) -> UsageProjection {
        let current = samples.filter { sample in
            sample.at >= now - horizon && sample.at <= now
                && Self.sameReset(sample.resetsAt, window.resetsAt) && sample.limit == window.limit
        }
        var run: [UsageSample] = []
        for sample in current {
            if let last = run.last, sample.used < last.used { run.removeAll() }
            run.append(sample)
        }
        guard let first = run.first, let last = run.last, last.at - first.at >= 60 else {
            return .unknown(reason: "no projection yet: it needs two fetches of this window at least a minute apart")
        }
        let pace = (last.used - first.used) / (last.at - first.at)
        guard pace > 0 else { return .lastsUntilReset }
        let remaining = max(0, window.limit - last.used)
        let exhausted = last.at + remaining / pace
        // More than a year away is "lasts" for any window Kimi has, and keeps times printable.
        guard exhausted.isFinite, exhausted < now + 366 * 86400 else { return .lastsUntilReset }
        guard let reset = window.resetsAt else {
            return .runsOut(at: exhausted, before: 0)
        }
        if exhausted >= reset { return .lastsUntilReset }
        return .runsOut(at: exhausted, before: reset - exhausted)
    }

    private static func sameReset(_ a: Double?, _ b: Double?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return abs(a - b) < 120
    }
}
