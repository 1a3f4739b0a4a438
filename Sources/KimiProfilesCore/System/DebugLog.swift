/// Debug events, for `KIMI_PROFILES_DEBUG=1` (SPEC §7). Core never prints: it hands lines to
/// this sink, which the CLI writes to stderr when debugging is on.
///
/// Every line is built from values that are not secret (methods, URLs without queries that
/// carry credentials, statuses, timings, profile names); no token, code or key is ever passed.
public struct DebugLog: Sendable {
    private let sink: (@Sendable (String) -> Void)?

    public init(_ sink: (@Sendable (String) -> Void)?) { self.sink = sink }

    /// A log that drops everything.
    public static let off = DebugLog(nil)

    public var isEnabled: Bool { sink != nil }

    /// Emits `message()`; the text is not built when debugging is off.
    public func callAsFunction(_ message: @autoclosure () -> String) {
        sink?(message())
    }
}
