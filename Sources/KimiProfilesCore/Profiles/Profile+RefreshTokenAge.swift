extension Profile {
    /// Refresh tokens last about 30 days; from this age a login is worth renewing.
    public static let refreshTokenWarningAge: Int64 = 25 * 86400

    /// Seconds since the stored refresh token was issued, or nil when that is not known (API-key
    /// profiles, and OAuth profiles stored before the vault recorded it).
    public func refreshTokenAge(now: Int64) -> Int64? {
        guard kind == .oauth, let issued = refreshTokenIssuedAt else { return nil }
        return max(0, now - issued)
    }

    /// The refresh token's age in whole days when it is old enough to warn about (25 days or
    /// more) and the profile is not already marked as needing a login.
    public func agingRefreshTokenDays(now: Int64) -> Int64? {
        guard !loginRequired, let age = refreshTokenAge(now: now), age >= Self.refreshTokenWarningAge else { return nil }
        return age / 86400
    }
}
