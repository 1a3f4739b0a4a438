import Foundation
import KimiProfilesCore

/// A clock that moves only when told, with a sleeper that advances it instead of waiting, so
/// polling and back-off are tested in no time (as GRDB tests its TransactionClock).
public final class FakeClock: @unchecked Sendable {
    private let lock = NSLock()
    private var time: Double
    private var sleeps: [Double] = []

    public init(_ start: Double = 1_800_000_000) { time = start }

    public var now: Double { lock.withLock { time } }

    /// Every sleep asked for, in order.
    public var recordedSleeps: [Double] { lock.withLock { sleeps } }

    public func advance(_ seconds: Double) { lock.withLock { time += seconds } }

    public var clock: Clock { Clock { [self] in now } }

    public var sleeper: Sleeper {
        Sleeper { [self] seconds in
            lock.withLock {
                sleeps.append(seconds)
                time += seconds
            }
        }
    }
}
