import Foundation

/// Runs the built `kimi-profiles` binary, as a user would, and captures what it printed.
///
/// The child gets only the environment given here (plus a PATH), with `HOME` and
/// `KIMI_PROFILES_HOME` inside a temporary folder. Runs on the calling thread: call it from
/// synchronous tests, whose thread has a clean signal mask (LINUX-NOTES 10).
public struct BinaryRunner: Sendable {
    public struct Result: Sendable {
        public let status: Int32
        /// True when the process died of a signal; `status` is then the signal number.
        public let signaled: Bool
        public let stdout: String
        public let stderr: String

        /// Everything the process printed.
        public var output: String { stdout + stderr }
    }

    public let home: String
    public var environment: [String: String]
    /// The working folder when a run names none: inside the temporary folder, so no
    /// `.kimi-profile` of the developer's can apply.
    public let directory: String

    /// A runner whose home folders live in `folder`.
    public init(folder: TemporaryDirectory, environment: [String: String] = [:]) {
        home = folder.url("kimi-home")
        directory = folder.path
        var base: [String: String] = [
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": folder.url("user-home"),
            "KIMI_PROFILES_HOME": home,
            "LANG": "C.UTF-8",
        ]
        base.merge(environment) { $1 }
        self.environment = base
    }

    /// The built binary: beside the test bundle in `.build/<config>/`.
    public static var executable: String {
        var url = URL(fileURLWithPath: CommandLine.arguments[0])
        while url.pathComponents.count > 1 {
            let candidate = url.appendingPathComponent("kimi-profiles")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory),
                !isDirectory.boolValue
            {
                return candidate.path
            }
            url.deleteLastPathComponent()
        }
        fatalError("cannot find the kimi-profiles binary near \(CommandLine.arguments[0])")
    }

    /// Runs the binary with `arguments`.
    @discardableResult
    public func run(
        _ arguments: [String], stdin: String? = nil, cwd: String? = nil,
        environment extra: [String: String?] = [:], timeout: TimeInterval = 60
    ) -> Result {
        var env = environment
        for (key, value) in extra { env[key] = value }
        return Self.launch(
            Self.executable, arguments, environment: env, stdin: stdin, cwd: cwd ?? directory,
            timeout: timeout)
    }

    /// Runs any program; used for the shell wrappers that observe exit statuses.
    public static func launch(
        _ executable: String, _ arguments: [String], environment: [String: String],
        stdin: String? = nil, cwd: String? = nil, timeout: TimeInterval = 60
    ) -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        let outPipe = Pipe()
        let errPipe = Pipe()
        let inPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = inPipe
        do {
            try process.run()
        } catch {
            return Result(status: -1, signaled: false, stdout: "", stderr: "launch failed: \(error)")
        }
        if let stdin { inPipe.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? inPipe.fileHandleForWriting.close()
        // Read both pipes on their own threads so a full pipe never blocks the child.
        let collected = Collected()
        let group = DispatchGroup()
        for (index, pipe) in [outPipe, errPipe].enumerated() {
            group.enter()
            DispatchQueue.global().async {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                collected.set(index, data)
                group.leave()
            }
        }
        if group.wait(timeout: .now() + timeout) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            group.wait()
        }
        process.waitUntilExit()
        let signaled = process.terminationReason == .uncaughtSignal
        return Result(
            status: process.terminationStatus, signaled: signaled,
            stdout: String(decoding: collected.get(0), as: UTF8.self),
            stderr: String(decoding: collected.get(1), as: UTF8.self))
    }
}

private final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var data: [Int: Data] = [:]
    func set(_ index: Int, _ value: Data) { lock.withLock { data[index] = value } }
    func get(_ index: Int) -> Data { lock.withLock { data[index] ?? Data() } }
}
