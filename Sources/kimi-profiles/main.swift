// The kimi-profiles executable: build the live context, run, exit. Everything else lives in
// KimiProfilesCLI and KimiProfilesCore.
#if canImport(Glibc)
import Glibc
#endif
import KimiProfilesCLI

let context = Context.live()
let status = KimiProfilesCLI.run(Array(CommandLine.arguments.dropFirst()), context: context)
exit(status)
