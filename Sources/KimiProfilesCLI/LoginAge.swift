import KimiProfilesCore

/// Refresh tokens last about 30 days, so an OAuth login that has not been refreshed for 25
/// days is near its end: `list` marks it and `exec` says so before the command starts. The
/// age comes from the profile row (`refresh_token_at`), so the warning costs no secret and no
/// network.
extension Profile {
    /// "login 26 days old", when the login is old enough to warn about.
    func agingLoginNote(now: Int64) -> String? {
        agingRefreshTokenDays(now: now).map { "login \($0) days old" }
    }

    /// The one-line warning for stderr, when the login is old enough to warn about.
    func agingLoginWarning(now: Int64) -> String? {
        guard let days = agingRefreshTokenDays(now: now) else { return nil }
        return "warning: profile '\(name)' last logged in \(days) days ago; refresh tokens last about 30 days:"
            + " run 'kimi-profiles login \(name)'"
    }
}

extension CredentialSession {
    /// Prints the aging-login warning for the session's profile on stderr, unless opening the
    /// session just refreshed the tokens (the row read before then is older than the new
    /// refresh token).
    func warnIfLoginAging(_ context: Context) {
        if case let .oauth(tokens) = credential, tokens.expiresAt != profile.accessExpiresAt { return }
        guard let warning = profile.agingLoginWarning(now: context.clock.seconds()) else { return }
        context.stderr.line("kimi-profiles: " + context.stderr.paint(warning, .yellow))
        context.stderr.flush()
    }
}
