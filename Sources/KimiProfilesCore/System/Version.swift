/// The tool's version, shared by `--version` and the User-Agent it sends.
public enum KimiProfilesVersion {
    public static let current = "0.2.0"
    /// `kimi-profiles/<version>`: an honest User-Agent (SPEC §7).
    public static var userAgent: String { "kimi-profiles/\(current)" }
}
