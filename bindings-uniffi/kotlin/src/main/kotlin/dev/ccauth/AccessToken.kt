package dev.ccauth

import java.time.Instant

/**
 * An access token and what the core knows of it. [accessToken], [authorization],
 * [refreshToken] and [idToken] are secrets: [toString] never shows them.
 */
class AccessToken internal constructor(
    /** The core's token, for the headers of API calls made with it. */
    internal val handle: dev.ccauth.ffi.AccessToken,
    /** The token itself (a secret). */
    val accessToken: String,
    /** The type as sent (`Bearer`, `bearer`, `DPoP`…). */
    val tokenType: String,
    /** The `Authorization` header value, e.g. `Bearer eyJ…` (a secret). */
    val authorization: String,
    val issuedAt: Instant,
    val expiresAt: Instant,
    /** When the client starts refreshing it. */
    val refreshAt: Instant,
    /** Where the expiry came from: `expires_in`, `jwt_exp`, `default`, …. */
    val expirySource: String,
    val scope: String?,
    val refreshToken: String?,
    val idToken: String?,
    /** Response fields the core does not model, as a JSON object. */
    val extrasJson: String,
    /** Codes of provider quirks that were tolerated. */
    val deviations: List<String>,
) {
    /** Whether the token is expired at [now]. */
    fun isExpired(now: Instant = Instant.now()): Boolean = !now.isBefore(expiresAt)

    override fun toString(): String = "AccessToken(accessToken=[REDACTED], tokenType=$tokenType, expiresAt=$expiresAt, scope=$scope)"

    internal companion object {
        fun of(
            token: dev.ccauth.ffi.AccessToken,
            info: dev.ccauth.ffi.TokenInfo = token.info(),
        ): AccessToken {
            val value = token.accessToken()
            return AccessToken(
                handle = token,
                accessToken = value,
                tokenType = info.tokenType,
                authorization = "${info.authorizationScheme} $value",
                issuedAt = Instant.ofEpochMilli(info.issuedAtMs.toLong()),
                expiresAt = Instant.ofEpochMilli(info.expiresAtMs.toLong()),
                refreshAt = Instant.ofEpochMilli(info.refreshAtMs.toLong()),
                expirySource = info.expirySource,
                scope = info.scope,
                refreshToken = if (info.hasRefreshToken) token.refreshToken() else null,
                idToken = if (info.hasIdToken) token.idToken() else null,
                extrasJson = info.extrasJson,
                deviations = info.deviations,
            )
        }
    }
}
