import KimiProfilesCore

/// `completion bash|zsh|fish`: a completion script generated from the commands' own metadata
/// (names, aliases, options), so it cannot drift from the parser. Profile names come from the
/// hidden `__complete-profiles`, which opens no secret.
struct CompletionCommand: Command {
    static let name = "completion"
    static let abstract = "print a shell completion script (bash, zsh or fish)"
    static let usage = "completion bash|zsh|fish"
    static let discussion = """
        Completes commands, their options, and profile names after -p/--profile and for the
        NAME of use, show, rename, remove and login. Try it with
        'source <(kimi-profiles completion bash)'; 'make install' installs all three under
        PREFIX/share.
        """
    static let options: [OptionSpec] = []

    enum Shell: String, CaseIterable {
        case bash, zsh, fish
    }

    let shell: Shell

    init(_ arguments: ParsedArguments) throws {
        let text = try arguments.operand("SHELL", for: Self.self)
        guard let shell = Shell(rawValue: text) else {
            var message = "unknown shell '\(text)': choose bash, zsh or fish"
            if let near = Suggestion.closest(to: text, in: Shell.allCases.map(\.rawValue)) {
                message += ". Did you mean '\(near)'?"
            }
            throw UsageError(message, command: Self.self)
        }
        self.shell = shell
    }

    func run(_ context: Context) throws -> Int32 {
        let spec = CompletionSpec.current
        switch shell {
        case .bash: context.stdout.write(CompletionScript.bash(spec))
        case .zsh: context.stdout.write(CompletionScript.zsh(spec))
        case .fish: context.stdout.write(CompletionScript.fish(spec))
        }
        return ExitStatus.success
    }
}

/// What the scripts complete, taken from `allCommands`.
struct CompletionSpec {
    /// What an operand (or an option's value) completes to.
    enum Values: Equatable {
        case none
        case profiles
        case choices([String])
        case commands
        case executables
        case files
    }

    struct Option {
        let long: String
        let short: Character?
        let help: String
        /// nil for a flag.
        let values: Values?
    }

    struct Entry {
        let name: String
        let aliases: [String]
        let abstract: String
        let options: [Option]
        /// What the first operand completes to.
        let operand: Values
        /// Whether operands after the first are the command's own (`exec`).
        let stopsAtOperand: Bool

        var names: [String] { [name] + aliases }
    }

    let commands: [Entry]

    /// The commands whose operand is a profile name.
    static let profileOperands: [any Command.Type] = [
        UseCommand.self, ShowCommand.self, RenameCommand.self, RemoveCommand.self, LoginCommand.self,
    ]

    static var current: CompletionSpec {
        CompletionSpec(
            commands: visibleCommands.map { type in
                Entry(
                    name: type.name, aliases: type.aliases, abstract: type.abstract,
                    options: (type.options + [.help]).map { option in
                        Option(long: option.name, short: option.short, help: option.help, values: option.value.map(values(for:)))
                    },
                    operand: operand(of: type), stopsAtOperand: type.stopsAtOperand)
            })
    }

    /// A placeholder of the form `a|b|c` lists the choices; `NAME` is a profile name.
    private static func values(for placeholder: String) -> Values {
        if placeholder == "NAME" { return .profiles }
        if ["PATH", "P", "FILE", "DIR"].contains(placeholder) { return .files }
        if placeholder.contains("|") { return .choices(placeholder.split(separator: "|").map(String.init)) }
        return .none
    }

    private static func operand(of type: any Command.Type) -> Values {
        if profileOperands.contains(where: { $0 == type }) { return .profiles }
        if type == CompletionCommand.self { return .choices(CompletionCommand.Shell.allCases.map(\.rawValue)) }
        if type == HelpCommand.self { return .commands }
        if type.stopsAtOperand { return .executables }
        return .none
    }
}

/// The three scripts. Each names the program `kimi-profiles` and calls it back only for
/// profile names.
enum CompletionScript {
    static let program = "kimi-profiles"

    // MARK: bash

    static func bash(_ spec: CompletionSpec) -> String {
        let allNames = spec.commands.flatMap(\.names).joined(separator: " ")
        var cases = ""
        for command in spec.commands {
            let words = command.options.flatMap { option in
                (option.short.map { ["-\($0)"] } ?? []) + ["--\(option.long)"]
            }
            let valued = command.options.filter { $0.values != nil }.flatMap { option in
                (option.short.map { ["-\($0)"] } ?? []) + ["--\(option.long)"]
            }
            cases += "        \(command.names.joined(separator: "|")))\n"
            cases += "            opts=\"\(words.joined(separator: " "))\"\n"
            cases += "            valopts=\"\(valued.joined(separator: " "))\"\n"
            cases += "            operand=\(bashKind(command.operand))\n"
            cases += "            stops=\(command.stopsAtOperand ? 1 : 0)\n"
            for option in command.options {
                guard let values = option.values else { continue }
                let flags = ((option.short.map { ["-\($0)"] } ?? []) + ["--\(option.long)"]).joined(separator: "|")
                cases += "            case \"$prev\" in \(flags)) valkind=\(bashKind(values)) ;; esac\n"
            }
            cases += "            ;;\n"
        }
        return """
            # bash completion for kimi-profiles; generated by 'kimi-profiles completion bash'.
            _kimi_profiles_words() {
                # $1: kind, $2: the word being completed
                case "$1" in
                    profiles) COMPREPLY=($(compgen -W "$(\(program) __complete-profiles 2>/dev/null)" -- "$2")) ;;
                    commands) COMPREPLY=($(compgen -W "\(allNames)" -- "$2")) ;;
                    executables) COMPREPLY=($(compgen -c -- "$2")) ;;
                    files) COMPREPLY=($(compgen -f -- "$2")) ;;
                    choice:*) COMPREPLY=($(compgen -W "${1#choice:}" -- "$2")) ;;
                    *) COMPREPLY=() ;;
                esac
            }

            _kimi_profiles() {
                local cur="${COMP_WORDS[COMP_CWORD]}" prev=""
                ((COMP_CWORD > 0)) && prev="${COMP_WORDS[COMP_CWORD - 1]}"
                COMPREPLY=()
                if ((COMP_CWORD == 1)); then
                    if [[ "$cur" == -* ]]; then
                        COMPREPLY=($(compgen -W "--help --version" -- "$cur"))
                    else
                        _kimi_profiles_words commands "$cur"
                    fi
                    return 0
                fi
                local opts="" valopts="" operand=none stops=0 valkind=""
                case "${COMP_WORDS[1]}" in
            \(cases)        *) return 0 ;;
                esac
                # Count the operands before the cursor, skipping option values.
                local i word count=0 skip=0 ended=0
                for ((i = 2; i < COMP_CWORD; i++)); do
                    word="${COMP_WORDS[i]}"
                    if ((skip)); then skip=0; continue; fi
                    if ((ended)); then count=$((count + 1)); continue; fi
                    if [[ "$word" == "--" ]]; then ended=1; continue; fi
                    if [[ "$word" == -* ]]; then
                        [[ " $valopts " == *" $word "* ]] && skip=1
                        continue
                    fi
                    count=$((count + 1))
                    ((stops)) && ended=1
                done
                if ((stops && count > 0)); then
                    _kimi_profiles_words files "$cur"
                    return 0
                fi
                if ((!ended)) && [[ -n "$valkind" ]]; then
                    _kimi_profiles_words "$valkind" "$cur"
                    return 0
                fi
                if ((!ended)) && [[ "$cur" == -* ]]; then
                    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
                    return 0
                fi
                ((count == 0)) && _kimi_profiles_words "$operand" "$cur"
                return 0
            }

            complete -F _kimi_profiles \(program)

            """
    }

    private static func bashKind(_ values: CompletionSpec.Values) -> String {
        switch values {
        case .none: return "none"
        case .profiles: return "profiles"
        case let .choices(choices): return "'choice:\(choices.joined(separator: " "))'"
        case .commands: return "commands"
        case .executables: return "executables"
        case .files: return "files"
        }
    }

    // MARK: zsh

    static func zsh(_ spec: CompletionSpec) -> String {
        var describe = ""
        for command in spec.commands {
            for name in command.names {
                describe += "        \(zshQuote(zshDescribeEscape(name) + ":" + command.abstract))\n"
            }
        }
        var cases = ""
        for command in spec.commands {
            var specs: [String] = []
            for option in command.options {
                let help = zshBracketEscape(option.help)
                let action = option.values.map { ":" + zshAction($0, label: option.long) } ?? ""
                if let short = option.short {
                    let exclusion = "(-\(short) --\(option.long))"
                    specs.append(zshQuote("\(exclusion)-\(short)[\(help)]\(action)"))
                    specs.append(zshQuote("\(exclusion)--\(option.long)[\(help)]\(action)"))
                } else {
                    specs.append(zshQuote("--\(option.long)[\(help)]\(action)"))
                }
            }
            if command.operand != .none {
                specs.append(zshQuote("1:" + zshAction(command.operand, label: "operand")))
            }
            if command.stopsAtOperand {
                specs.append(zshQuote("*::arguments:_normal"))
            }
            cases += "        \(command.names.joined(separator: "|")))\n"
            cases += "            _arguments -s \\\n"
            for spec in specs { cases += "                \(spec) \\\n" }
            cases += "                && ret=0\n"
            cases += "            ;;\n"
        }
        return """
            #compdef kimi-profiles
            # zsh completion for kimi-profiles; generated by 'kimi-profiles completion zsh'.

            _kimi_profiles_names() {
                local -a names
                names=(${(f)"$(\(program) __complete-profiles 2>/dev/null)"})
                _describe -t profiles 'profile' names
            }

            _kimi_profiles_commands() {
                local -a commands
                commands=(
            \(describe)    )
                _describe -t commands 'command' commands
            }

            _kimi_profiles() {
                local ret=1
                if (( CURRENT == 2 )); then
                    _kimi_profiles_commands && ret=0
                    return ret
                fi
                local command=${words[2]}
                shift words
                (( CURRENT-- ))
                curcontext="${curcontext%:*:*}:kimi-profiles-${command}:"
                case $command in
            \(cases)    esac
                return ret
            }

            if [[ "$funcstack[1]" == "_kimi-profiles" ]]; then
                _kimi_profiles "$@"
            else
                compdef _kimi_profiles \(program)
            fi

            """
    }

    private static func zshAction(_ values: CompletionSpec.Values, label: String) -> String {
        switch values {
        case .none: return "\(label): "
        case .profiles: return "profile:_kimi_profiles_names"
        case let .choices(choices): return "\(label):(\(choices.joined(separator: " ")))"
        case .commands: return "command:_kimi_profiles_commands"
        case .executables: return "command:_command_names -e"
        case .files: return "file:_files"
        }
    }

    /// Single-quoted for zsh.
    private static func zshQuote(_ text: String) -> String {
        "'" + text.replacingAll("'", with: "'\\''") + "'"
    }

    /// An `_arguments` description: brackets and colons escaped.
    private static func zshBracketEscape(_ text: String) -> String {
        text.replacingAll("\\", with: "\\\\").replacingAll("[", with: "\\[").replacingAll("]", with: "\\]")
            .replacingAll(":", with: "\\:")
    }

    /// A `_describe` item's name: colons escaped.
    private static func zshDescribeEscape(_ text: String) -> String {
        text.replacingAll(":", with: "\\:")
    }

    // MARK: fish

    static func fish(_ spec: CompletionSpec) -> String {
        var lines = [
            "# fish completion for kimi-profiles; generated by 'kimi-profiles completion fish'.",
            "function __kimi_profiles_names",
            "    \(program) __complete-profiles 2>/dev/null",
            "end",
            "complete -c \(program) -f",
        ]
        for command in spec.commands {
            for name in command.names {
                lines.append("complete -c \(program) -n __fish_use_subcommand -a \(name) -d \(fishQuote(command.abstract))")
            }
        }
        for command in spec.commands {
            let condition = fishQuote("__fish_seen_subcommand_from " + command.names.joined(separator: " "))
            for option in command.options {
                var line = "complete -c \(program) -n \(condition)"
                if let short = option.short { line += " -s \(short)" }
                line += " -l \(option.long)"
                if let values = option.values { line += (values == .files ? " -r" : " -x") + fishArguments(values) }
                line += " -d \(fishQuote(option.help))"
                lines.append(line)
            }
            if command.operand != .none {
                lines.append("complete -c \(program) -n \(condition)" + fishArguments(command.operand))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func fishArguments(_ values: CompletionSpec.Values) -> String {
        switch values {
        case .none: return ""
        case .profiles: return " -a '(__kimi_profiles_names)'"
        case let .choices(choices): return " -a " + fishQuote(choices.joined(separator: " "))
        case .commands: return " -a " + fishQuote(CompletionSpec.current.commands.flatMap(\.names).joined(separator: " "))
        case .executables: return " -a '(__fish_complete_command)'"
        case .files: return " -F"
        }
    }

    /// Single-quoted for fish (which escapes `\` and `'` inside them).
    private static func fishQuote(_ text: String) -> String {
        "'" + text.replacingAll("\\", with: "\\\\").replacingAll("'", with: "\\'") + "'"
    }
}

extension String {
    /// Every `target` character replaced by `replacement`.
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self {
            if character == target { result += replacement } else { result.append(character) }
        }
        return result
    }
}
