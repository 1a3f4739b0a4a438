import Foundation

/// A fresh folder under the system's temporary folder, removed when the value is freed.
///
/// Every test that touches files gets one, and points `KIMI_PROFILES_HOME` and `HOME` into
/// it, so nothing in the suite can reach the real home folder.
public final class TemporaryDirectory: @unchecked Sendable {
    public let path: String

    public init(_ label: String = "kimi-profiles-test") {
        // realpath: paths the binary reports (readlink, getcwd) are canonical, so the test's
        // must be too (NSTemporaryDirectory ends in a slash, and /tmp may be a link).
        let base = URL(fileURLWithPath: NSTemporaryDirectory()).resolvingSymlinksInPath().path
        var template = Array((base + "/\(label).XXXXXX").utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(created != nil, "mkdtemp failed")
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// `path/name`.
    public func url(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    /// Creates `name` (and its parents) as a folder and returns its path.
    @discardableResult
    public func makeFolder(_ name: String) -> String {
        let folder = url(name)
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Writes `text` to `name` and returns its path.
    @discardableResult
    public func write(_ name: String, _ text: String) -> String {
        let file = url(name)
        _ = FileManager.default.createFile(atPath: file, contents: Data(text.utf8))
        return file
    }
}

/// The bytes of the file at `path`, or an empty array.
public func fileBytes(_ path: String) -> [UInt8] {
    (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))) ?? []
}

/// The permission bits of `path`.
public func fileMode(_ path: String) -> Int {
    var info = stat()
    guard stat(path, &info) == 0 else { return -1 }
    return Int(info.st_mode & 0o7777)
}

/// Whether `needle` occurs in `haystack`.
public func bytes(_ haystack: [UInt8], contain needle: String) -> Bool {
    let pattern = Array(needle.utf8)
    guard !pattern.isEmpty, haystack.count >= pattern.count else { return false }
    return haystack.firstRange(of: pattern) != nil
}
