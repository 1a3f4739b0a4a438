/// The folder that holds the vault and its key (SPEC §2).
public struct HomeFolder: Sendable, Equatable {
    public let path: String

    public init(path: String) { self.path = path }

    public var vaultPath: String { FileSystem.join(path, "vault.db") }
    public var keyPath: String { FileSystem.join(path, "vault.key") }

    /// `$KIMI_PROFILES_HOME`, else `$XDG_DATA_HOME/kimi-profiles`, else
    /// `~/.local/share/kimi-profiles`. XDG says a relative `XDG_DATA_HOME` is to be ignored.
    public static func resolve(environment: [String: String]) throws(VaultError) -> HomeFolder {
        if let home = environment["KIMI_PROFILES_HOME"], !home.isEmpty {
            return HomeFolder(path: home)
        }
        if let data = environment["XDG_DATA_HOME"], data.hasPrefix("/") {
            return HomeFolder(path: FileSystem.join(data, "kimi-profiles"))
        }
        if let home = environment["HOME"], home.hasPrefix("/") {
            return HomeFolder(path: FileSystem.join(home, ".local/share/kimi-profiles"))
        }
        throw .noHome
    }
}
