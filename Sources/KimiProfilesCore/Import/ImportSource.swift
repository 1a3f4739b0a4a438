/// A tool whose stored Kimi login `import` can bring in (SPEC §9, KIMI-PROTOCOL §4).
public enum ImportSource: String, Sendable, CaseIterable {
    /// romancircus' OpenCode plugin: `~/.opencode-kimi-auth/oauth.json`, sealed with `.key`.
    case opencodeKimiAuth = "opencode-kimi-auth"
    /// The Python kimi-cli: `$KIMI_SHARE_DIR/credentials/kimi-code.json` (default `~/.kimi`).
    case kimiCLI = "kimi-cli"
    /// The TypeScript kimi-code: `$KIMI_CODE_HOME/credentials/kimi-code.json` (default `~/.kimi-code`).
    case kimiCode = "kimi-code"
    /// OpenCode's own store: `$XDG_DATA_HOME/opencode/auth.json`, provider `kimi-for-coding`.
    case opencode

    /// The file name the source writes.
    public var fileName: String {
        switch self {
        case .opencodeKimiAuth: return "oauth.json"
        case .kimiCLI, .kimiCode: return "kimi-code.json"
        case .opencode: return "auth.json"
        }
    }

    /// opencode-kimi-auth's key file, beside `oauth.json`.
    public static let keyFileName = ".key"

    /// OpenCode's provider id for Kimi for Coding.
    public static let opencodeProvider = "kimi-for-coding"

    /// How to log the source tool in again, for the single-use warning and error hints.
    public var loginAdvice: String {
        switch self {
        case .opencodeKimiAuth:
            return "remove its oauth.json and start OpenCode with the plugin, which asks for a new device login"
        case .kimiCLI: return "run 'kimi' and use its /login command"
        case .kimiCode: return "run 'kimi-code' and use its /login command"
        case .opencode: return "run 'opencode auth login' and choose Kimi for Coding"
        }
    }

    /// The default file, from the environment the command runs in (HOME, XDG_DATA_HOME,
    /// KIMI_SHARE_DIR, KIMI_CODE_HOME, as each tool reads them).
    public func defaultPath(environment: [String: String]) throws(ImportError) -> String {
        func absolute(_ name: String) -> String? {
            guard let value = environment[name], value.hasPrefix("/") else { return nil }
            return value
        }
        func home() throws(ImportError) -> String {
            guard let home = absolute("HOME") else { throw .noHome(self) }
            return home
        }
        /// The folder a variable names, else one under HOME.
        func folder(_ variable: String, else relative: String) throws(ImportError) -> String {
            if let value = absolute(variable) { return value }
            return FileSystem.join(try home(), relative)
        }
        switch self {
        case .opencodeKimiAuth:
            return FileSystem.join(FileSystem.join(try home(), ".opencode-kimi-auth"), fileName)
        case .kimiCLI:
            let share = try folder("KIMI_SHARE_DIR", else: ".kimi")
            return FileSystem.join(FileSystem.join(share, "credentials"), fileName)
        case .kimiCode:
            let folder = try folder("KIMI_CODE_HOME", else: ".kimi-code")
            return FileSystem.join(FileSystem.join(folder, "credentials"), fileName)
        case .opencode:
            // XDG says a relative XDG_DATA_HOME is to be ignored.
            let data = try folder("XDG_DATA_HOME", else: ".local/share")
            return FileSystem.join(FileSystem.join(data, "opencode"), fileName)
        }
    }

    /// The file `--path` names: a file as given; a folder joined with the file name, also
    /// looked for one level down where the tool keeps it (`credentials/`, `opencode/`), so
    /// both `~/.kimi` and `~/.kimi/credentials` work.
    public func file(at path: String) -> String {
        guard FileSystem.isDirectory(path) else { return path }
        let direct = FileSystem.join(path, fileName)
        let nested: String
        switch self {
        case .opencodeKimiAuth: return direct
        case .kimiCLI, .kimiCode: nested = FileSystem.join(FileSystem.join(path, "credentials"), fileName)
        case .opencode: nested = FileSystem.join(FileSystem.join(path, "opencode"), fileName)
        }
        return !FileSystem.exists(direct) && FileSystem.exists(nested) ? nested : direct
    }

    /// Reads the source's file (and `.key`) and parses them; touches nothing else.
    ///
    /// `path` is `--path` when given; otherwise the default location is used.
    public func load(
        path: String?, environment: [String: String], now: Int64
    ) throws(ImportError) -> ImportedLogin {
        let file: String
        if let path {
            file = self.file(at: path)
        } else {
            file = try defaultPath(environment: environment)
        }
        let contents = try Self.read(file, source: self)
        if self == .opencodeKimiAuth,
            contents.withUnsafeBytes({ ImportParser.isEncryptedOpencodeKimiAuth($0) })
        {
            let keyPath = FileSystem.join(FileSystem.parentPath(of: file), Self.keyFileName)
            let key = try Self.read(keyPath, source: self)
            return try contents.withUnsafeBytes { (bytes) throws(ImportError) in
                try ImportParser.parse(self, bytes, key: key, file: file, keyFile: keyPath, now: now)
            }
        }
        return try contents.withUnsafeBytes { (bytes) throws(ImportError) in
            try ImportParser.parse(self, bytes, key: nil, file: file, keyFile: nil, now: now)
        }
    }
}
