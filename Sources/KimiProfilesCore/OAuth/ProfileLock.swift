#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock per profile across every process on the machine (`flock` on
/// `<home>/locks/<profile id>.lock`), held while a refresh token is spent. Refresh tokens are
/// single-use: two processes refreshing at once would burn the token for one of them.
///
/// The kernel drops a `flock` when its process dies, so a crash never leaves a stale lock.
public final class ProfileLock {
    private let fd: Int32

    /// Blocks until the lock for `profileID` is held; `waited` is how long that took.
    public init(home: HomeFolder, profileID: String, clock: Clock = .system, log: DebugLog = .off) throws {
        let folder = FileSystem.join(home.path, "locks")
        do {
            try FileSystem.createDirectory(folder, mode: 0o700)
        } catch {
            throw VaultError.system(error)
        }
        let path = FileSystem.join(folder, profileID + ".lock")
        let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw VaultError.system(.io(operation: "open the lock", path: path, errno: .current))
        }
        let started = clock.now()
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            log("waiting for another process's refresh of profile \(profileID)")
            while flock(fd, LOCK_EX) != 0 {
                if errno != EINTR {
                    let error = Errno.current
                    close(fd)
                    throw VaultError.system(.io(operation: "lock", path: path, errno: error))
                }
            }
            log("lock acquired after \(Int((clock.now() - started) * 1000)) ms")
        }
        self.fd = fd
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
