import Foundation
import KimiProfilesCore
import TestSupport
import XCTest

/// A running `exec` whose command wrote its environment to a file and then runs on.
struct ExecSession: @unchecked Sendable {
    let process: Process
    let environment: [String: String]
    var base: String { environment["KIMI_BASE_URL"] ?? "" }
    var secret: String { environment["KIMI_API_KEY"] ?? "" }
    var port: Int { HTTPURL(base)?.port ?? 0 }
}

extension EndToEndTestCase {
    /// Starts `exec [options] -- sh -c '<write env>; command'` in the background and waits for
    /// the command's environment. `--quiet` by default: no usage fetches around the session,
    /// so the fake sees only what the test sends.
    func startSession(_ options: [String] = ["--quiet"], command: String = "exec sleep 60") throws -> ExecSession {
        let file = folder.url("child-\(UUID().uuidString).env")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BinaryRunner.executable)
        process.arguments = ["exec"] + options + ["--", "/bin/sh", "-c", "env > \"$0.tmp\" && mv \"$0.tmp\" \"$0\"; \(command)", file]
        process.environment = cli.environment
        process.currentDirectoryURL = URL(fileURLWithPath: folder.path)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(15)
        while !FileManager.default.fileExists(atPath: file) && Date() < deadline { usleep(20_000) }
        let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        XCTAssertFalse(text.isEmpty, "the command started")
        return ExecSession(process: process, environment: environmentLines(text))
    }

    /// Ends the session with SIGTERM (forwarded to the command) and waits for it.
    func end(_ session: ExecSession) {
        kill(session.process.processIdentifier, SIGTERM)
        session.process.waitUntilExit()
    }
}
