import Foundation
import TestSupport

/// The binary running in the background, its output collected in memory (never in a file:
/// `token` prints a token on purpose).
final class Background: @unchecked Sendable {
    let process = Process()
    private let input = Pipe()
    private let lock = NSLock()
    private var collected: [Int: Data] = [:]
    private let group = DispatchGroup()

    var pid: Int32 { process.processIdentifier }

    /// Starts the binary with `arguments` and `runner`'s environment and folder.
    convenience init(_ arguments: [String], _ runner: BinaryRunner, stdin: Bool = false) throws {
        try self.init(arguments, environment: runner.environment, directory: runner.directory, stdin: stdin)
    }

    /// Starts the binary with `arguments`; with `prefix`, through that command (`setpriv …`),
    /// which must exec the binary in place so that `pid` is the binary's.
    init(
        _ arguments: [String], environment: [String: String], directory: String, prefix: [String] = [],
        stdin: Bool = false
    ) throws {
        let command = prefix + [BinaryRunner.executable] + arguments
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let pipes = [Pipe(), Pipe()]
        process.standardOutput = pipes[0]
        process.standardError = pipes[1]
        process.standardInput = stdin ? input : FileHandle.nullDevice
        try process.run()
        for (index, pipe) in pipes.enumerated() {
            group.enter()
            DispatchQueue.global().async { [self] in
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                lock.withLock { collected[index] = data }
                group.leave()
            }
        }
    }

    func write(_ text: String) { input.fileHandleForWriting.write(Data(text.utf8)) }

    func closeInput() { try? input.fileHandleForWriting.close() }

    struct Result {
        /// The exit status, or minus the signal that killed the process.
        let status: Int32
        let stdout: String
        let stderr: String
        var output: String { stdout + stderr }
    }

    /// Waits for the process (killing it after `timeout` seconds) and returns what it printed.
    func finish(timeout: Double = 60) -> Result {
        if group.wait(timeout: .now() + timeout) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            group.wait()
        }
        process.waitUntilExit()
        let (out, err) = lock.withLock { (collected[0] ?? Data(), collected[1] ?? Data()) }
        let signaled = process.terminationReason == .uncaughtSignal
        let status = signaled ? -process.terminationStatus : process.terminationStatus
        return Result(
            status: status, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
    }
}

/// Polls `condition` every 20 ms for up to `timeout` seconds.
func waitUntil(timeout: Double = 15, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}
