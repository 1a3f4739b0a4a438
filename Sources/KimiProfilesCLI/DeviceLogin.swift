#if canImport(Glibc)
import Glibc
#endif
import KimiProfilesCore

/// The terminal side of the device flow, shared by `add` and `login`: shows the code and the
/// page, opens the browser when there is one, and counts down while polling.
struct DeviceLogin {
    let context: Context
    let profileName: String
    let openBrowser: Bool

    /// Runs the flow against `client` and returns the approved tokens. Stores nothing.
    func run(client: OAuthClient) throws -> OAuthTokens {
        let err = context.stderr
        let flow = DeviceFlow(client: client)
        var countingDown = false
        let grant = try flow.run { event in
            switch event {
            case let .code(userCode, uri, complete, expiresIn, attempt):
                if countingDown { err.line() }
                countingDown = false
                if attempt > 1 { err.line("The code expired; here is a new one.") }
                err.line("To log in profile '\(profileName)', open this page and enter the code:")
                err.line()
                err.line("    \(uri)")
                err.line("    code: " + err.paint(userCode, .bold))
                err.line()
                if complete != uri { err.line("Or open: \(complete)") }
                if openBrowser, Browser.open(complete, environment: context.environment) {
                    err.line("(opened in your browser)")
                }
                err.line("Waiting for approval (the code expires in \(Formatting.clock(Int64(expiresIn))))…")
                err.flush()
            case let .waiting(remaining):
                guard err.isTerminal else { break }
                err.write("\r  \(Formatting.clock(Int64(max(0, remaining)))) left ")
                err.flush()
                countingDown = true
            case let .slowedDown(interval):
                if err.isTerminal { err.write("\r") }
                err.line("The server asked to poll less often: every \(Int(interval)) s.")
                countingDown = false
            case .expired:
                if countingDown { err.line() }
                countingDown = false
            }
        }
        if countingDown { err.line() }
        return grant.tokens(now: context.clock.seconds())
    }
}

/// Opens a URL in the user's browser (`xdg-open`, or `open` on macOS) when there is a display.
enum Browser {
    /// Starts the opener without waiting for it; false when there is no display or no opener.
    static func open(_ url: String, environment: [String: String]) -> Bool {
        #if os(macOS)
        let opener = "open"
        #else
        let opener = "xdg-open"
        let hasDisplay = !(environment["DISPLAY"] ?? "").isEmpty || !(environment["WAYLAND_DISPLAY"] ?? "").isEmpty
        guard hasDisplay else { return false }
        #endif
        guard let path = try? ExecutableLookup.resolve(opener, path: environment["PATH"]) else { return false }
        return (try? Spawner.spawnDetached(path, arguments: [opener, url], environment: environment)) != nil
    }
}
