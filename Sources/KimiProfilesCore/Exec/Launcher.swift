#if canImport(Glibc)
import Glibc
#endif

/// Replaces the process with a command (`execve`), as aws-vault does for its `exec`.
///
/// Signals, the terminal and the exit status then belong to the command. Before the call the
/// signal mask is emptied and SIGPIPE reset, since a mask set by a runtime thread would
/// otherwise make the command ignore Ctrl-C (LINUX-NOTES 10). Call from the main thread.
public enum Launcher {
    /// Runs `executable` with `arguments` (argv[0] first) in `environment`. Returns only by
    /// throwing.
    public static func execute(
        executable: String, arguments: [String], environment: [String: String],
        overrides: [LaunchEnvironment.Variable], descriptors: Descriptors
    ) throws(ExecError) -> Never {
        let overridden = Set(overrides.map(\.name))
        var entries: [SecureBytes] = []
        for (name, value) in environment where !overridden.contains(name) {
            let bytes = Array("\(name)=\(value)".utf8) + [0]
            entries.append(bytes.withUnsafeBytes { SecureBytes(copying: $0) })
        }
        for variable in overrides {
            let prefix = Array("\(variable.name)=".utf8)
            entries.append(
                SecureBytes(count: prefix.count + variable.value.count + 1) { out in
                    out.copyBytes(from: prefix)
                    variable.value.withUnsafeBytes {
                        UnsafeMutableRawBufferPointer(rebasing: out[prefix.count...]).copyMemory(from: $0)
                    }
                    out[out.count - 1] = 0
                })
        }
        let argv = arguments.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = []
        for entry in entries {
            entry.withUnsafeBytes { envp.append(UnsafeMutablePointer(mutating: $0.baseAddress!.assumingMemoryBound(to: CChar.self))) }
        }
        envp.append(nil)

        descriptors.closeOwnOnExec()
        var empty = sigset_t()
        sigemptyset(&empty)
        pthread_sigmask(SIG_SETMASK, &empty, nil)
        signal(SIGPIPE, SIG_DFL)

        execve(executable, argv, envp)
        let error = Errno.current
        // Keep the entries alive until execve has returned.
        withExtendedLifetime(entries) {}
        for pointer in argv { free(pointer) }
        if error == .noSuchFile { throw .notFound(arguments.first ?? executable) }
        throw .failed(arguments.first ?? executable, error)
    }
}
