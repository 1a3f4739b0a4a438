import Foundation
import KimiProfilesCore
import TestSupport
import XCTest

/// Issue 7 item 8: while a device flow, a refresh and a proxied `exec` run, no secret appears in
/// any process's argv or environment (`/proc/*/cmdline`, `/proc/*/environ`, every process on the
/// machine), in the debug log (`KIMI_PROFILES_DEBUG=1`), or in any file: the test's folders
/// (home, `HOME`, working folder), files created or changed under /tmp, /var/tmp and /dev/shm
/// since the test began, and the files the running process holds open. The vault files are
/// included: they hold the secrets sealed, so never their plaintext.
///
/// The secrets are every device code, access token and refresh token the fake issued, the API
/// keys, and (for argv and the log) the proxy's session secret. User codes are not among them:
/// they are printed for the user on purpose and are useless without the device code.
final class SecretsSweepEndToEndTests: FakeKimiTestCase {
    /// Unix seconds at the start of the test, less a second: files changed since are swept.
    private var started: Int = 0

    override func setUp() {
        started = time(nil) - 1
        super.setUp()
        cli.environment["KIMI_PROFILES_DEBUG"] = "1"
    }

    // MARK: - The sweep

    /// OAuth: a device-flow `add` waiting for approval, a `token` refresh held open by the
    /// server, and a proxied `exec` whose request makes the proxy refresh.
    func testNoTokenLeaksThroughLoginRefreshAndAProxiedExec() throws {
        kimi.accessTokenLifetime = 2  // every later use refreshes
        kimi.pollInterval = 1
        kimi.decision = .approveAfter(polls: 4)

        // (a) Device flow, scanned while it polls.
        let login = try Background(
            ["add", "work", "--oauth-host", server.url, "--base-url", server.url + "/coding/v1", "--no-browser"], cli)
        XCTAssertTrue(waitUntil { self.kimi.devicePolls >= 1 }, "the device flow started polling")
        XCTAssertEqual(kimi.issuedSecrets.count, 1, "one device code so far")
        // The vault is opened only once the login is approved.
        assertNothingHolds(kimi.issuedSecrets, scanning: login, phase: "device flow", opensFiles: false)
        let added = login.finish()
        XCTAssertEqual(added.status, 0, added.output)
        XCTAssertEqual(kimi.issuedSecrets.count, 3, "device code, access and refresh token")
        assertDebugLog(added.stderr, has: "POST \(server.url)/api/oauth/token", phase: "device flow")
        assertNoSecret(kimi.issuedSecrets, in: added.output, "the output of add")
        assertNoFileHolds(kimi.issuedSecrets, phase: "device flow")

        // (b) A refresh, scanned while the server holds the refresh grant.
        kimi.refreshDelay = 1.5
        let refreshesBefore = kimi.refreshCount
        let token = try Background(["token"], cli)
        XCTAssertTrue(waitUntil { self.kimi.refreshCount > refreshesBefore }, "the refresh reached the server")
        assertNothingHolds(kimi.issuedSecrets, scanning: token, phase: "refresh")
        let refreshed = token.finish()
        XCTAssertEqual(refreshed.status, 0, refreshed.output)
        let printed = refreshed.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(printed, kimi.issuedSecrets.last { $0.hasPrefix("at-") }, "token prints the new access token")
        assertDebugLog(refreshed.stderr, has: "refreshing the access token", phase: "refresh")
        assertNoSecret(kimi.issuedSecrets, in: refreshed.stderr, "the debug log of token")
        assertNoFileHolds(kimi.issuedSecrets, phase: "refresh")

        // (c) A proxied exec (with the usage fetches around it); its one request makes the
        // proxy refresh, and the scan runs while the server holds that refresh.
        let marker = folder.url("child")
        let exec = try Background(
            [
                "exec", "--", "/bin/sh", "-c",
                #"echo $$ > "$0.pid"; env > "$0.tmp" && mv "$0.tmp" "$0"; exec sleep 60"#, marker,
            ], cli)
        XCTAssertTrue(waitUntil { FileManager.default.fileExists(atPath: marker) }, "the command started")
        let childEnvironment = environmentLines((try? String(contentsOfFile: marker, encoding: .utf8)) ?? "")
        let child = Int32(((try? String(contentsOfFile: marker + ".pid", encoding: .utf8)) ?? "")
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        let session = ExecSession(process: exec.process, environment: childEnvironment)
        XCTAssertEqual(session.secret.count, 64, "the command got a session secret")
        let refreshesBeforeRequest = kimi.refreshCount
        let reply = FailureList()
        let requestDone = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            reply.append(String((try? ProxyEndToEndTests.send(session).status) ?? -1))
            requestDone.signal()
        }
        XCTAssertTrue(waitUntil { self.kimi.refreshCount > refreshesBeforeRequest }, "the proxy refreshed")
        // The session secret belongs in the command's environment, and nowhere in argv.
        assertNothingHolds(kimi.issuedSecrets, alsoInArgv: [session.secret], scanning: exec, phase: "exec")
        // SPEC §6, read from the kernel rather than from what the command printed.
        let environ = procFile(child, "environ")
        XCTAssertTrue(bytes(environ, contain: session.secret), "read the command's own environment")
        assertNoSecret(kimi.issuedSecrets, in: String(decoding: environ, as: UTF8.self), "the command's environment")
        XCTAssertEqual(requestDone.wait(timeout: .now() + 20), .success)
        XCTAssertEqual(reply.all, ["200"], "the request went through the proxy")
        kill(exec.process.processIdentifier, SIGTERM)
        let ended = exec.finish()
        XCTAssertEqual(ended.status, 128 + SIGTERM, ended.output)
        assertDebugLog(ended.stderr, has: "POST /coding/v1/messages -> 200", phase: "exec")
        assertNoSecret(kimi.issuedSecrets + [session.secret], in: ended.output, "the output of exec")
        assertNoFileHolds(kimi.issuedSecrets, phase: "exec")
        XCTAssertGreaterThanOrEqual(kimi.issuedSecrets.count, 7, "the sweep covered several generations of tokens")
    }

    /// An API key: read from standard input (scanned while `add` still waits for the end of
    /// its input), then sent to Kimi by `usage`.
    func testAnAPIKeyReadFromStandardInputIsInNoArgvLogOrFile() throws {
        let add = try Background(
            ["add", "personal", "--api-key-stdin", "--base-url", server.url + "/coding/v1"], cli, stdin: true)
        add.write(personalKey + "\n")
        usleep(300_000)
        assertNothingHolds([personalKey], scanning: add, phase: "add --api-key-stdin", opensFiles: false)
        add.closeInput()
        let added = add.finish()
        XCTAssertEqual(added.status, 0, added.output)
        assertNoSecret([personalKey], in: added.output, "the output of add")

        let usage = cli.run(["usage", "-p", "personal"])
        XCTAssertEqual(usage.status, 0, usage.output)
        XCTAssertEqual(kimi.presentedCredentials, [personalKey], "the key did reach Kimi")
        assertDebugLog(usage.stderr, has: "GET \(server.url)/coding/v1/usages", phase: "usage")
        assertNoSecret([personalKey], in: usage.output, "the output of usage")
        assertNoFileHolds([personalKey], phase: "API key")
    }

    // MARK: - Processes

    /// Asserts that no process on the machine has any of `secrets` in its argv or environment,
    /// nor any of `argvSecrets` in its argv, and that no file `running` holds open contains one
    /// of `secrets`. The scan must have read `running`'s own argv, or it proves nothing.
    private func assertNothingHolds(
        _ secrets: [String], alsoInArgv argvSecrets: [String] = [], scanning running: Background, phase: String,
        opensFiles: Bool = true, file: StaticString = #filePath, line: UInt = #line
    ) {
        let pid = running.process.processIdentifier
        var sawRunning = false
        var scanned = 0
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let other = Int32(entry) else { continue }
            let argv = procFile(other, "cmdline")
            if other == pid, bytes(argv, contain: "kimi-profiles") {
                sawRunning = true
                // Non-dumpable, its /proc files belong to root: the suite must be able to read them.
                XCTAssertFalse(procFile(pid, "environ").isEmpty, "\(phase): read kimi-profiles' own environment", file: file, line: line)
            }
            if !argv.isEmpty { scanned += 1 }
            // Another user's environment is unreadable unless we are root: then it is empty.
            for (what, content, forbidden) in [
                ("argv", argv, secrets + argvSecrets), ("environment", procFile(other, "environ"), secrets),
            ] {
                for secret in forbidden where bytes(content, contain: secret) {
                    XCTFail("\(phase): process \(other)'s \(what) holds \(Self.label(secret))", file: file, line: line)
                }
            }
        }
        XCTAssertTrue(sawRunning, "\(phase): the scan saw kimi-profiles (pid \(pid)) alive", file: file, line: line)
        XCTAssertGreaterThan(scanned, 1, file: file, line: line)
        XCTAssertTrue(running.process.isRunning, "\(phase): still running after the scan", file: file, line: line)
        var openFiles = 0
        let fds = "/proc/\(pid)/fd"
        for fd in (try? FileManager.default.contentsOfDirectory(atPath: fds)) ?? [] {
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: fds + "/" + fd),
                target.hasPrefix("/"), !target.hasPrefix("/dev/")
            else { continue }
            openFiles += 1
            let content = fileBytes(fds + "/" + fd)
            for secret in secrets where bytes(content, contain: secret) {
                XCTFail("\(phase): open file \(target) holds \(Self.label(secret))", file: file, line: line)
            }
        }
        if opensFiles {
            XCTAssertGreaterThan(openFiles, 0, "\(phase): the vault is open", file: file, line: line)
        }
    }

    /// The bytes of /proc/`pid`/`name`, read to the end (the kernel reports a size of 0); empty
    /// when the process is gone or the file unreadable.
    private func procFile(_ pid: Int32, _ name: String) -> [UInt8] {
        let fd = open("/proc/\(pid)/\(name)", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            result += buffer[0..<count]
        }
        return result
    }

    // MARK: - Files

    /// Asserts that no regular file in the test's folder (home, `HOME`, working folder), and
    /// none created or changed under /tmp, /var/tmp or /dev/shm since the test began, holds
    /// any of `secrets`, vault files included.
    private func assertNoFileHolds(
        _ secrets: [String], phase: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        var paths: [String] = []
        collectFiles(under: folder.path, since: nil, skipping: nil, into: &paths)
        for root in ["/tmp", "/var/tmp", "/dev/shm"] {
            collectFiles(under: root, since: started, skipping: folder.path, into: &paths)
        }
        let names = Set(paths.map { ($0 as NSString).lastPathComponent })
        XCTAssertTrue(names.contains("vault.db"), "\(phase): the sweep read the vault", file: file, line: line)
        XCTAssertTrue(names.contains("vault.key"), file: file, line: line)
        for path in paths {
            guard let content = FileManager.default.contents(atPath: path) else { continue }
            for secret in secrets where content.range(of: Data(secret.utf8)) != nil {
                XCTFail("\(phase): \(path) holds \(Self.label(secret))", file: file, line: line)
            }
        }
    }

    /// Regular files under `root`, links not followed; with `since`, only those whose contents
    /// or inode changed at or after it.
    private func collectFiles(under root: String, since: Int?, skipping: String?, into paths: inout [String]) {
        guard root != skipping, let entries = try? FileManager.default.contentsOfDirectory(atPath: root) else { return }
        for entry in entries {
            let path = root + "/" + entry
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                collectFiles(under: path, since: since, skipping: skipping, into: &paths)
            case S_IFREG:
                if let since, max(info.st_mtim.tv_sec, info.st_ctim.tv_sec) < since { continue }
                paths.append(path)
            default:
                continue
            }
        }
    }

    // MARK: - Output

    private func assertNoSecret(
        _ secrets: [String], in text: String, _ what: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        for secret in secrets where text.contains(secret) {
            XCTFail("\(what) holds \(Self.label(secret))", file: file, line: line)
        }
    }

    /// Asserts that the debug log was on, so that its check is not vacuous.
    private func assertDebugLog(
        _ stderr: String, has expected: String, phase: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertTrue(
            stderr.contains("kimi-profiles: debug: ") && stderr.contains(expected),
            "\(phase): the debug log shows \(expected): \(stderr)", file: file, line: line)
    }

    /// Which secret, without repeating it whole.
    private static func label(_ secret: String) -> String {
        let kinds = [
            "at-": "an access token", "rt-": "a refresh token", "dc-": "a device code", "sk-kimi-": "an API key",
        ]
        let kind = kinds.first { secret.hasPrefix($0.key) }?.value ?? "the session secret"
        return "\(kind) (\(secret.prefix(8))…)"
    }
}
