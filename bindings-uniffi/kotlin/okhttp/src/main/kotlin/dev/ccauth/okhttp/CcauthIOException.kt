package dev.ccauth.okhttp

import dev.ccauth.CcauthError
import java.io.IOException

/**
 * No token for an OkHttp call (OkHttp's calls fail with IOExceptions): [error]
 * is ccauth's typed error, with its stable `code`. The message is the core's
 * sanitized text, never a secret or token.
 */
class CcauthIOException(
    val error: CcauthError,
) : IOException(error.message, error)
