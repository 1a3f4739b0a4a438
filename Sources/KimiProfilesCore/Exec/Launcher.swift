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
        let block = EnvironmentBlock(base: environment, overrides: overrides)
        let argv = arguments.map { strdup($0) } + [nil]
        descriptors.closeOwnOnExec()
        var empty = sigset_t()
        sigemptyset(&empty)
        pthread_sigmask(SIG_SETMASK, &empty, nil)
        signal(SIGPIPE, SIG_DFL)

        let error = block.withPointers { envp -> Errno in
            execve(executable, argv, envp)
            return Errno.current
        }
        for pointer in argv { free(pointer) }
        if error == .noSuchFile { throw .notFound(arguments.first ?? executable) }
        throw .failed(arguments.first ?? executable, error)
    }
}
