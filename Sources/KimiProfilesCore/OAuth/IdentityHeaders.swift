#if canImport(Glibc)
import Glibc
#endif

/// The identity headers Kimi's own clients send on OAuth calls (KIMI-PROTOCOL §1.3), filled in
/// honestly: this tool's name and version, the machine's name and system, and a device id that
/// is stable per profile.
public struct IdentityHeaders: Sendable {
    public let deviceID: String
    public let deviceName: String
    public let deviceModel: String
    public let osVersion: String

    public init(deviceID: String) {
        self.deviceID = deviceID
        var names = utsname()
        uname(&names)
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
        }
        deviceName = Self.ascii(field(names.nodename))
        deviceModel = Self.ascii("\(field(names.sysname)) \(field(names.release)) \(field(names.machine))")
        osVersion = Self.ascii(field(names.version))
    }

    /// The headers, with the honest User-Agent.
    public func headers() -> HTTPHeaders {
        HTTPHeaders([
            ("User-Agent", KimiProfilesVersion.userAgent),
            ("X-Msh-Platform", "kimi_profiles"),
            ("X-Msh-Version", KimiProfilesVersion.current),
            ("X-Msh-Device-Name", deviceName),
            ("X-Msh-Device-Model", deviceModel),
            ("X-Msh-Os-Version", osVersion),
            ("X-Msh-Device-Id", deviceID),
        ])
    }

    /// A new device id: 32 hex digits, as kimi-cli makes them.
    public static func newDeviceID() -> String { SecureRandom.hex(count: 16) }

    /// Header values are reduced to printable ASCII; nothing left becomes "unknown".
    static func ascii(_ text: String) -> String {
        let kept = String(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7f })
            .trimmingCharacters()
        return kept.isEmpty ? "unknown" : kept
    }
}

extension String {
    func trimmingCharacters() -> String {
        String(Substring(self).trimmingWhitespace())
    }
}
