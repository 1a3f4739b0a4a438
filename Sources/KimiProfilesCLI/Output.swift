#if canImport(Glibc)
import Glibc
#endif
import KimiProfilesCore

/// A standard output stream, buffered and written with `write(2)`.
///
/// Text that holds a secret is written from `SecureBytes` straight to the descriptor, so it
/// never becomes a Swift `String`. Colour is used only on a terminal, never with `NO_COLOR` set
/// or `TERM=dumb`.
public final class Output {
    public let fd: Int32
    public let isTerminal: Bool
    public let usesColor: Bool
    private var buffer: [UInt8] = []

    public init(fd: Int32, environment: [String: String] = [:]) {
        self.fd = fd
        isTerminal = isatty(fd) == 1
        let noColor = environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        usesColor = isTerminal && !noColor && environment["TERM"] != "dumb"
    }

    public func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count > 1 << 16 { flush() }
    }

    public func line(_ text: String = "") {
        write(text)
        write("\n")
    }

    /// Writes bytes that may hold a secret, bypassing the buffer.
    public func write(secret bytes: UnsafeRawBufferPointer) {
        flush()
        writeAll(bytes)
    }

    /// Wraps `text` in an ANSI colour when colour is on.
    public func paint(_ text: String, _ color: Color) -> String {
        usesColor ? "\u{1B}[\(color.rawValue)m\(text)\u{1B}[0m" : text
    }

    public enum Color: String {
        case red = "31"
        case green = "32"
        case yellow = "33"
        case bold = "1"
        case dim = "2"
    }

    public func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return  // EPIPE or a closed stream: nothing useful left to do
            }
            offset += written
        }
    }

    deinit { flush() }
}

/// Standard input: whole-stream reads into wiped memory, lines, and a no-echo prompt.
public final class Input {
    public let fd: Int32
    public let isTerminal: Bool

    public init(fd: Int32) {
        self.fd = fd
        isTerminal = isatty(fd) == 1
    }

    /// Reads everything up to end of file, at most `limit` bytes, into wiped memory.
    public func readAll(limit: Int) -> SecureBytes? {
        let capacity = limit + 1
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 1)
        defer {
            wipe(scratch)
            scratch.deallocate()
        }
        var count = 0
        while count < capacity {
            let n = read(fd, scratch.baseAddress! + count, capacity - count)
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            count += n
        }
        if count > limit { return nil }
        return SecureBytes(copying: UnsafeRawBufferPointer(rebasing: scratch[0..<count]))
    }

    /// Reads one line with terminal echo turned off, for secrets typed at a prompt.
    public func readSecretLine(limit: Int) -> SecureBytes? {
        var saved = termios()
        let canHideEcho = tcgetattr(fd, &saved) == 0
        if canHideEcho {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(fd, TCSAFLUSH, &quiet)
        }
        defer { if canHideEcho { tcsetattr(fd, TCSAFLUSH, &saved) } }
        return readLineBytes(limit: limit)
    }

    /// Reads one line (without its newline); nil at end of file.
    public func readLine(limit: Int = 4096) -> String? {
        guard let bytes = readLineBytes(limit: limit) else { return nil }
        return bytes.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }

    private func readLineBytes(limit: Int) -> SecureBytes? {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: limit, alignment: 1)
        defer {
            wipe(scratch)
            scratch.deallocate()
        }
        var count = 0
        var sawAnything = false
        var byte: UInt8 = 0
        while count < limit {
            let n = read(fd, &byte, 1)
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            sawAnything = true
            if byte == UInt8(ascii: "\n") { break }
            scratch[count] = byte
            count += 1
        }
        byte = 0
        guard sawAnything else { return nil }
        return SecureBytes(copying: UnsafeRawBufferPointer(rebasing: scratch[0..<count]))
    }
}

/// Whole lines straight to standard error from any thread (the proxy's notices).
enum StandardError {
    static func write(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                offset += n
            }
        }
    }
}
