#if canImport(Glibc)
import Glibc
#endif

/// The vault's key file: 32 raw bytes, mode 0600 (SPEC §2).
enum KeyFile {
    /// Loads the key at `path`, refusing a file that group or others can reach.
    static func load(path: String) throws(VaultError) -> SymmetricKey {
        try checkPermissions(path)
        var bytes: [UInt8]
        do {
            bytes = try FileSystem.read(path, limit: 4096)
        } catch {
            throw .system(error)
        }
        let size = bytes.count
        let storage = SecureBytes(consuming: &bytes)
        guard let key = SymmetricKey(storage) else { throw .invalidKeyFile(path: path, size: size) }
        return key
    }

    /// Makes a new key: SHA-256 over the host name, the user id and 32 random bytes. The random
    /// part alone carries the strength; the metadata ties a key to where it was made.
    ///
    /// When another process creates the file first, that process's key is loaded and used.
    static func create(path: String) throws(VaultError) -> SymmetricKey {
        var material = [UInt8]()
        var host = [CChar](repeating: 0, count: 256)
        if gethostname(&host, host.count - 1) == 0 {
            material += host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        }
        material += Array("\0uid=\(getuid())\0".utf8)
        material += SecureRandom.bytes(count: 32)
        var digest = SHA256.hash(material)
        material.withUnsafeMutableBytes { wipe($0) }
        let attempt = digest.withUnsafeBytes { bytes in
            Result { () throws(SystemError) in
                try FileSystem.createExclusively(path, bytes: bytes, mode: 0o600)
            }
        }
        let created: Bool
        do {
            created = try attempt.get()
        } catch {
            digest.withUnsafeMutableBytes { wipe($0) }
            throw .system(error)
        }
        guard created else {
            digest.withUnsafeMutableBytes { wipe($0) }
            return try load(path: path)
        }
        return SymmetricKey(SecureBytes(consuming: &digest))!
    }

    /// Refuses a file whose mode gives group or others any access, as ssh does for keys.
    static func checkPermissions(_ path: String) throws(VaultError) {
        let mode: mode_t?
        do {
            mode = try FileSystem.mode(of: path)
        } catch {
            throw .system(error)
        }
        if let mode, mode & 0o077 != 0 {
            throw .unsafePermissions(path: path, mode: UInt32(mode))
        }
    }
}
