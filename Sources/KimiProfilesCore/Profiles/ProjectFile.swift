/// The `.kimi-profile` file that pins a project to a profile (SPEC §4, kimi-profile(5)).
///
/// It holds a profile *name* and nothing else: a cloned repository must never be able to point
/// credentials at another server, so no token, host or URL is ever read from it.
public enum ProjectFile {
    public static let fileName = ".kimi-profile"
    /// Larger files are not profile files; reading stops there.
    public static let sizeLimit = 4096

    /// The nearest `.kimi-profile` from `folder` up to `/`, or nil.
    public static func find(from folder: String) -> String? {
        var current = folder.isEmpty ? "/" : folder
        while true {
            let candidate = FileSystem.join(current, fileName)
            if FileSystem.exists(candidate), !FileSystem.isDirectory(candidate) { return candidate }
            let parent = FileSystem.parentPath(of: current)
            if parent == current || parent == "." { return nil }
            current = parent
        }
    }

    /// The name in the file's text: the first line that is not blank and does not start with
    /// `#`, trimmed. Nil when there is none.
    public static func name(in text: String) -> String? {
        for rawLine in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            return String(line)
        }
        return nil
    }

    /// Reads and validates the file at `path`.
    public static func read(_ path: String) throws(ProfileError) -> String {
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.read(path, limit: sizeLimit)
        } catch {
            throw .unreadableProjectFile(path: path, reason: error.description)
        }
        var text = String(decoding: bytes, as: UTF8.self)
        // Some editors start UTF-8 files with a byte-order mark; it is not part of the name.
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        guard let name = name(in: text) else {
            throw .emptyProjectFile(path: path)
        }
        if let problem = ProfileName.problem(with: name) {
            throw .invalidName(name, problem: problem, source: .projectFile(path))
        }
        return name
    }

    /// The file's content for `name`.
    public static func contents(for name: String) -> String {
        "# kimi-profiles: the profile this project uses (a name only; see kimi-profile(5))\n\(name)\n"
    }
}

extension Substring {
    /// The substring without leading and trailing spaces and tabs.
    func trimmingWhitespace() -> Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result = result.dropFirst() }
        while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
        return result
    }
}
