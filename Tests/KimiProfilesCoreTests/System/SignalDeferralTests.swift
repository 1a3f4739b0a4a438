import XCTest

@testable import KimiProfilesCore

/// The mask that `SignalDeferral` sets and restores, read back with pthread_sigmask. A signal
/// raised inside is taken with sigtimedwait before the mask is restored, so the test process
/// never receives it.
final class SignalDeferralTests: XCTestCase {
    private func blocked(_ signal: Int32) -> Bool {
        var current = sigset_t()
        pthread_sigmask(SIG_SETMASK, nil, &current)
        return sigismember(&current, signal) == 1
    }

    private func takePending(_ signal: Int32) -> Bool {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, signal)
        var zero = timespec(tv_sec: 0, tv_nsec: 0)
        return sigtimedwait(&set, nil, &zero) == signal
    }

    func testHoldsBackTheEndingSignalsAndRestoresTheMask() {
        let signals = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]
        let before = signals.map(blocked)
        SignalDeferral.run { deferral in
            for signal in signals { XCTAssertTrue(blocked(signal), "\(signal) held back") }
            XCTAssertFalse(blocked(SIGUSR1), "other signals are left alone")
            pthread_kill(pthread_self(), SIGHUP)
            XCTAssertTrue(takePending(SIGHUP), "a SIGHUP sent meanwhile waits")
            deferral.lifted {
                for (index, signal) in signals.enumerated() { XCTAssertEqual(blocked(signal), before[index]) }
            }
            XCTAssertTrue(blocked(SIGINT), "held back again after the lifted part")
        }
        XCTAssertEqual(signals.map(blocked), before)
    }

    func testAThreadThatAlreadyBlocksThemKeepsBlockingThem() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &set, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        SignalDeferral.run { deferral in
            deferral.lifted { XCTAssertTrue(blocked(SIGTERM), "lifting restores, it does not unblock") }
        }
        XCTAssertTrue(blocked(SIGTERM))
    }

    func testAThrownErrorStillRestoresTheMask() {
        let before = blocked(SIGINT)
        struct Failure: Error {}
        XCTAssertThrowsError(
            try SignalDeferral.run { _ throws(Failure) in
                XCTAssertTrue(blocked(SIGINT), "held back inside")
                throw Failure()
            })
        XCTAssertEqual(blocked(SIGINT), before)
    }
}
