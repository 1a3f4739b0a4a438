/// The variables that `exec` sets and `env` prints (SPEC §6).
///
/// Values are built in wiped memory: the credential is spliced into its variables as bytes and
/// never passes through a Swift `String`.
public struct LaunchEnvironment {
    /// One variable; the value may hold the credential.
    public struct Variable {
        public let name: String
        public let value: SecureBytes

        public init(name: String, value: SecureBytes) {
            self.name = name
            self.value = value
        }

        /// A variable whose value is not secret.
        public init(name: String, text: String) {
            self.name = name
            value = Array(text.utf8).withUnsafeBytes { SecureBytes(copying: $0) }
        }
    }

    public private(set) var variables: [Variable] = []

    /// The provider id that OpenCode's Kimi for Coding provider uses, and its SDK package.
    public static let openCodeProvider = "kimi-for-coding"
    public static let openCodeSDK = "@ai-sdk/anthropic"

    /// Builds the variables for `profile`, presenting `credential` at `baseURL`.
    ///
    /// - Parameters:
    ///   - callerEnvironment: the environment `exec` was started with; its
    ///     `OPENCODE_CONFIG_CONTENT` is merged into, never replaced.
    ///   - anthropic: also set `ANTHROPIC_BASE_URL` (without `/v1`) and `ANTHROPIC_API_KEY`.
    public init(
        profile: Profile, credential: Secret, baseURL: String, anthropic: Bool,
        callerEnvironment: [String: String]
    ) throws(ExecError) {
        add("KIMI_PROFILE", profile.name)
        add("KIMI_API_KEY", credential)
        add("KIMI_BASE_URL", baseURL)
        if profile.kind == .oauth, let clientID = profile.clientID {
            add("KIMI_CLIENT_ID", clientID)
        }
        let config = try Self.openCodeConfig(
            merging: callerEnvironment["OPENCODE_CONFIG_CONTENT"], baseURL: baseURL,
            credential: credential)
        variables.append(Variable(name: "OPENCODE_CONFIG_CONTENT", value: config))
        if anthropic {
            add("ANTHROPIC_BASE_URL", Self.anthropicBaseURL(baseURL))
            add("ANTHROPIC_API_KEY", credential)
        }
    }

    /// The Anthropic SDKs append `/v1/messages` themselves, so their base URL drops `/v1`.
    public static func anthropicBaseURL(_ baseURL: String) -> String {
        var url = Substring(baseURL)
        while url.hasSuffix("/") { url = url.dropLast() }
        if url.hasSuffix("/v1") { url = url.dropLast(3) }
        return String(url)
    }

    /// The caller's OpenCode config JSON with provider `kimi-for-coding` set to reach
    /// `baseURL` with `credential`; the caller's other keys are kept.
    static func openCodeConfig(
        merging existing: String?, baseURL: String, credential: Secret
    ) throws(ExecError) -> SecureBytes {
        var root: [String: JSONValue] = [:]
        if let existing, !existing.allSatisfy({ $0 == " " || $0 == "\n" || $0 == "\t" }) {
            guard case let .object(members)? = JSONValue.parse(existing) else {
                throw .invalidOpenCodeConfig
            }
            root = members
        }
        // A placeholder stands where the credential goes; it is replaced byte for byte below.
        let placeholder = "kimi-profiles-credential-" + KernelRandom.hex(count: 16)
        var providers: [String: JSONValue] = [:]
        if case let .object(members)? = root["provider"] { providers = members }
        var entry: [String: JSONValue] = [:]
        if case let .object(members)? = providers[openCodeProvider] { entry = members }
        var options: [String: JSONValue] = [:]
        if case let .object(members)? = entry["options"] { options = members }
        options["baseURL"] = .string(baseURL)
        options["apiKey"] = .string(placeholder)
        entry["npm"] = .string(openCodeSDK)
        entry["options"] = .object(options)
        providers[openCodeProvider] = .object(entry)
        root["provider"] = .object(providers)
        let text = Array(JSONValue.object(root).serialized().utf8)
        let marker = Array(placeholder.utf8)
        guard let at = text.firstRange(of: marker) else {
            preconditionFailure("the placeholder is always in the serialized config")
        }
        return credential.withUnsafeBytes { secret in
            let escaped = JSONEscaping.escapedCount(secret)
            let total = text.count - marker.count + escaped
            return SecureBytes(count: total) { out in
                var offset = 0
                text[..<at.lowerBound].withUnsafeBytes {
                    out.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: $0.count)
                    offset = $0.count
                }
                JSONEscaping.escape(secret, into: out, at: &offset)
                text[at.upperBound...].withUnsafeBytes {
                    if $0.count > 0 {
                        (out.baseAddress! + offset).copyMemory(from: $0.baseAddress!, byteCount: $0.count)
                    }
                }
            }
        }
    }

    private mutating func add(_ name: String, _ value: String) {
        let bytes = Array(value.utf8)
        variables.append(Variable(name: name, value: bytes.withUnsafeBytes { SecureBytes(copying: $0) }))
    }

    private mutating func add(_ name: String, _ value: Secret) {
        variables.append(Variable(name: name, value: value.withUnsafeBytes { SecureBytes(copying: $0) }))
    }
}

/// JSON string escaping over raw bytes, so secrets can be written into JSON without a `String`.
public enum JSONEscaping {
    /// How many bytes `escape` writes for `input`.
    public static func escapedCount(_ input: UnsafeRawBufferPointer) -> Int {
        input.reduce(0) { count, byte in
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x08, 0x0c, 0x0a, 0x0d, 0x09: return count + 2
            case 0..<0x20: return count + 6
            default: return count + 1
            }
        }
    }

    /// Writes the escaped form of `input` into `out` at `offset`, advancing it.
    public static func escape(
        _ input: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer, at offset: inout Int
    ) {
        let hex = Array("0123456789abcdef".utf8)
        func put(_ byte: UInt8) {
            out[offset] = byte
            offset += 1
        }
        for byte in input {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                put(UInt8(ascii: "\\"))
                put(byte)
            case 0x0a: put(UInt8(ascii: "\\")); put(UInt8(ascii: "n"))
            case 0x0d: put(UInt8(ascii: "\\")); put(UInt8(ascii: "r"))
            case 0x09: put(UInt8(ascii: "\\")); put(UInt8(ascii: "t"))
            case 0x08: put(UInt8(ascii: "\\")); put(UInt8(ascii: "b"))
            case 0x0c: put(UInt8(ascii: "\\")); put(UInt8(ascii: "f"))
            case 0..<0x20:
                for c in Array("\\u00".utf8) { put(c) }
                put(hex[Int(byte >> 4)])
                put(hex[Int(byte & 0x0f)])
            default:
                put(byte)
            }
        }
    }
}
