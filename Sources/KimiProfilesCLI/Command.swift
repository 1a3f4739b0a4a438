import KimiProfilesCore

/// A command as a value: static metadata for help and parsing, validation in `init`, and
/// `run(context)` (the shape of swift-argument-parser's commands, without the dependency).
protocol Command: Sendable {
    static var name: String { get }
    static var aliases: [String] { get }
    /// One line for the command list.
    static var abstract: String { get }
    /// The usage line after `kimi-profiles`.
    static var usage: String { get }
    /// Paragraphs shown by `help COMMAND`.
    static var discussion: String { get }
    static var options: [OptionSpec] { get }
    /// Whether the first operand ends option parsing (`exec -- cmd --its-own-flags`).
    static var stopsAtOperand: Bool { get }
    /// Hidden commands run but are left out of help, suggestions and the man page (the
    /// completion scripts' own helpers).
    static var isHidden: Bool { get }

    /// Validates the parsed arguments.
    init(_ arguments: ParsedArguments) throws

    /// Runs the command and returns its exit status.
    func run(_ context: Context) throws -> Int32
}

extension Command {
    static var aliases: [String] { [] }
    static var discussion: String { "" }
    static var stopsAtOperand: Bool { false }
    static var isHidden: Bool { false }
}

/// Every command, in the order help lists them.
let allCommands: [any Command.Type] = [
    AddCommand.self,
    LoginCommand.self,
    ImportCommand.self,
    ListCommand.self,
    UseCommand.self,
    CurrentCommand.self,
    ShowCommand.self,
    RenameCommand.self,
    RemoveCommand.self,
    TokenCommand.self,
    EnvCommand.self,
    ExecCommand.self,
    UsageCommand.self,
    DoctorCommand.self,
    CompletionCommand.self,
    CompleteProfilesCommand.self,
    HelpCommand.self,
]

/// The commands help lists and suggests: all but the hidden ones.
var visibleCommands: [any Command.Type] { allCommands.filter { !$0.isHidden } }

/// The command called `name` or one of its aliases.
func command(named name: String) -> (any Command.Type)? {
    allCommands.first { $0.name == name || $0.aliases.contains(name) }
}

extension ParsedArguments {
    /// The single operand a command requires, or a usage error naming it.
    func operand(_ label: String, for command: any Command.Type) throws -> String {
        guard let first = positionals.first else {
            throw UsageError("missing \(label)", command: command)
        }
        if positionals.count > 1 {
            throw UsageError("unexpected argument '\(positionals[1])'", command: command)
        }
        return first
    }

    /// The single NAME operand, checked against the profile-name rule (SPEC §4).
    func profileNameOperand(for command: any Command.Type) throws -> String {
        try Self.checkedProfileName(operand("NAME", for: command), for: command)
    }

    /// `name` when it follows the profile-name rule, else a usage error saying why.
    static func checkedProfileName(_ name: String, for command: any Command.Type) throws -> String {
        if let problem = ProfileName.problem(with: name) {
            throw UsageError("invalid profile name '\(name)': \(problem)", command: command)
        }
        return name
    }

    /// Fails when any operand was given to a command that takes none.
    func noOperands(for command: any Command.Type) throws {
        if let first = positionals.first {
            throw UsageError("unexpected argument '\(first)'", command: command)
        }
    }
}

/// `[NAME]` or `-p NAME`, for commands that act on one profile that may also be chosen by the
/// rules of SPEC §4 (`show`, `login`).
struct ProfileSelection {
    let name: String?
    let explicit: String?

    init(_ arguments: ParsedArguments, for command: any Command.Type) throws {
        if arguments.positionals.count > 1 {
            throw UsageError("unexpected argument '\(arguments.positionals[1])'", command: command)
        }
        name = arguments.positionals.first
        explicit = arguments.value("profile")
        if name != nil && explicit != nil {
            throw UsageError("give NAME or -p NAME, not both", command: command)
        }
    }

    /// The profile NAME names (no fallback), or the one the rules choose.
    func profile(in vault: Vault?, _ context: Context) throws -> Profile {
        if let name {
            guard let found = try vault?.profile(named: name) else { throw VaultError.profileNotFound(name) }
            return found
        }
        return try context.resolver(explicit: explicit).resolve(in: vault).profile
    }
}
