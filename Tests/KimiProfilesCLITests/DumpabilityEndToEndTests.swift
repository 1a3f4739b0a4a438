import Foundation
import KimiProfilesCore
import TestSupport
import XCTest

/// Issue 7 item 8: kimi-profiles marks itself non-dumpable before it reads a secret (no core
/// file, no same-user ptrace or /proc/PID/mem), while the command `exec` starts, which is meant
/// to hold its credential, is dumpable as usual (`execve` clears the mark).
///
/// Seen from outside: the kernel gives the files under a non-dumpable process's /proc/PID
/// (`status`, `fd`, `environ`, `mem`…) to root, whoever runs it; the /proc/PID folder itself
/// keeps the process's owner on recent kernels (6.18 here). The suite runs as root, where
/// that shows nothing, so the binary runs as `nobody` (uid 65534, through `setpriv`) in a home
/// of its own; run as another user, the suite compares with its own uid instead. Either way
/// the same assertions are made.
final class DumpabilityEndToEndTests: FakeKimiTestCase {
    /// The uid the binary runs as, and the prefix that makes it so.
    private var user: uid_t = 0
    private var prefix: [String] = []
    private var environment: [String: String] = [:]
    private var workFolder = ""

    override func setUp() {
        super.setUp()
        workFolder = folder.path
        environment = cli.environment
        guard geteuid() == 0 else {
            user = geteuid()
            return
        }
        user = 65534
        prefix = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        // nobody can pass through the test's folder to a home it owns.
        XCTAssertEqual(chmod(folder.path, 0o711), 0)
        workFolder = folder.makeFolder("nobody")
        for path in [workFolder, folder.makeFolder("nobody/user-home")] {
            XCTAssertEqual(chown(path, 65534, 65534), 0)
            XCTAssertEqual(chmod(path, 0o700), 0)
        }
        environment["HOME"] = workFolder + "/user-home"
        environment["KIMI_PROFILES_HOME"] = workFolder + "/kimi-home"
    }

    private func start(_ arguments: [String]) throws -> Background {
        try Background(arguments, environment: environment, directory: workFolder, prefix: prefix)
    }

    /// The owner of /proc/`pid`/status, and the real uid the process runs as.
    private func owners(
        _ pid: Int32, file: StaticString = #filePath, line: UInt = #line
    ) -> (proc: uid_t, runs: uid_t?) {
        var info = stat()
        XCTAssertEqual(stat("/proc/\(pid)/status", &info), 0, "process \(pid) is alive", file: file, line: line)
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let uid = status.split(separator: "\n").first { $0.hasPrefix("Uid:") }?
            .split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().first.flatMap { uid_t($0) }
        return (info.st_uid, uid)
    }

    /// The shell's pid, written to "$0" (atomically), then the shell becomes `sleep`.
    private static let writePidThenSleep = #"echo $$ > "$0.tmp" && mv "$0.tmp" "$0"; exec sleep 30"#

    /// The pid the command wrote to `file`, once it has.
    private func pid(in file: String, line: UInt = #line) -> Int32 {
        XCTAssertTrue(waitUntil { FileManager.default.fileExists(atPath: file) }, "the command started", line: line)
        let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    func testKimiProfilesIsNonDumpableAndTheCommandItStartsIsNot() throws {
        XCTAssertNotEqual(user, 0, "the binary runs as a user whose /proc entries are its own")
        kimi.pollInterval = 1
        kimi.decision = .approveAfter(polls: 3)

        // A device-flow login, waiting for approval.
        let login = try start(
            ["add", "work", "--oauth-host", server.url, "--base-url", server.url + "/coding/v1", "--no-browser"])
        XCTAssertTrue(waitUntil { self.kimi.devicePolls >= 1 }, "the device flow started")
        let waiting = owners(login.pid)
        XCTAssertEqual(waiting.runs, user, "add runs as uid \(user)")
        XCTAssertEqual(waiting.proc, 0, "add waiting for approval is non-dumpable")
        let added = login.finish()
        XCTAssertEqual(added.status, 0, added.output)

        // A proxied exec: the wrapper (holding the tokens) stays non-dumpable, the command it
        // spawned is dumpable.
        let marker = workFolder + "/child.pid"
        let exec = try start(["exec", "--quiet", "--", "/bin/sh", "-c", Self.writePidThenSleep, marker])
        let child = pid(in: marker)
        let wrapper = owners(exec.pid)
        let command = owners(child)
        XCTAssertEqual(wrapper.runs, user)
        XCTAssertEqual(wrapper.proc, 0, "exec's proxy is non-dumpable")
        XCTAssertEqual(command.runs, user)
        XCTAssertEqual(command.proc, user, "the command exec spawned is dumpable")
        kill(exec.pid, SIGTERM)
        XCTAssertEqual(exec.finish().status, 128 + SIGTERM)

        // execve (API-key profiles, --no-proxy): the process becomes the command, dumpable.
        let replaced = try start(["exec", "--no-proxy", "--", "/bin/sh", "-c", Self.writePidThenSleep, marker + "2"])
        XCTAssertEqual(pid(in: marker + "2"), replaced.pid, "the command replaced exec")
        let same = owners(replaced.pid)
        XCTAssertEqual(same.runs, user)
        XCTAssertEqual(same.proc, user, "after execve the command is dumpable")
        kill(replaced.pid, SIGTERM)
        XCTAssertEqual(replaced.finish().status, -SIGTERM)
    }
}
