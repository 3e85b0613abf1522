package dev.ccauth

/**
 * The core names options in snake_case (`token_endpoint`, `retry.max_attempts`,
 * `scopes[1]`, `client_secret`); Kotlin spells the same words in camelCase
 * (`tokenEndpoint`, `retry.maxAttempts`, `scopes`, `clientSecret`). Config
 * errors are reported with the Kotlin spelling, in [CcauthError.field] and in the message.
 */
internal object OptionNames {
    /**
     * The core's option words that its reasons may quote (`… with
     * danger_accept_insecure_http`): only these are respelled inside a reason,
     * so values such as `client_secret_basic` stay as they are.
     */
    private val known =
        setOf(
            "token_endpoint",
            "client_id",
            "client_secret",
            "scopes",
            "include_scope",
            "audience",
            "resources",
            "extra_body_params",
            "extra_query_params",
            "extra_headers",
            "body_format",
            "danger_accept_insecure_http",
            "max_response_bytes",
            "refresh",
            "retry",
            "private_key",
            "client_assertion_alg",
            "key_id",
            "assertion_audience",
            "assertion_lifetime_ms",
            "dpop_key",
            "issuer",
            "server_metadata",
            "min_leeway_ms",
            "max_leeway_ms",
            "leeway_percent",
            "default_lifetime_ms",
            "max_attempts",
            "max_wait_ms",
            "failure_cooldown_ms",
            "attempt_timeout_ms",
            "revocation_endpoint",
            "introspection_endpoint",
            "proactive_refresh",
            "store",
            "store_key",
        )

    private val segment = Regex("""^([A-Za-z0-9_]+)((?:\[\d+])*)$""")
    private val word = Regex("""(?<![A-Za-z0-9_])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![A-Za-z0-9_])""")
    private val itemIndex = Regex("""\[(\d+)]""")
    private val itemInMessage = Regex("""`[^`]*` \(item (\d+)\)""")

    /** snake_case → camelCase. */
    private fun camel(name: String): String =
        name
            .split('_')
            .filter { it.isNotEmpty() }
            .mapIndexed { i, part -> if (i == 0) part else part.replaceFirstChar { it.uppercase() } }
            .joinToString("")

    /** The Kotlin spelling of a core field, without list positions: `retry.max_attempts` → `retry.maxAttempts`, `scopes[1]` → `scopes`. */
    fun of(field: String): String = field.split('.').joinToString(".") { part -> segment.find(part)?.let { camel(it.groupValues[1]) } ?: part }

    /** The first list position in a core field (`scopes[1]` → 1). */
    fun indexIn(field: String): Int? =
        itemIndex
            .find(field)
            ?.groupValues
            ?.get(1)
            ?.toIntOrNull()

    /**
     * A reason with the core's option words in Kotlin spelling, and the core's
     * advice about Cargo features replaced: this library is built with every algorithm.
     */
    fun reason(reason: String): String {
        if (reason.contains("cargo feature", ignoreCase = true) || reason.contains("feature)")) {
            return "this key or algorithm is not supported (this library includes every algorithm ccauth has)"
        }
        return word.replace(reason) { m -> if (m.value in known) of(m.value) else m.value }
    }

    /** The core's message parsed: "CODE: invalid `field` (item N): reason" → reason. */
    private fun reasonIn(message: String): String? =
        message.substringAfter("`: ", "").ifEmpty { null }
            ?: Regex("""\(item \d+\): (.*)$""").find(message)?.groupValues?.get(1)

    /** A config error from the core, respelled for Kotlin (field, index, reason and message). */
    fun rename(error: CcauthError): CcauthError {
        if (error !is CcauthError.Config) return error
        val field = error.field ?: return error
        val own = of(field)
        val index =
            error.index ?: indexIn(field) ?: itemInMessage
                .find(error.message ?: "")
                ?.groupValues
                ?.get(1)
                ?.toIntOrNull()
        val reason = reason(error.reason ?: reasonIn(error.message ?: "") ?: "invalid value")
        val message = "${error.code}: invalid `$own`" + (index?.let { " (item $it)" } ?: "") + ": $reason"
        return CcauthError.Config(
            CcauthError.Details(
                kind = dev.ccauth.ffi.ErrorKind.CONFIG,
                code = error.code,
                message = message,
                retryable = error.retryable,
                field = own,
                reason = reason,
                index = index,
            ),
        )
    }
}

/** [translated], with config errors in Kotlin's spelling: for the config and the requests made from it. */
internal inline fun <T> configured(block: () -> T): T =
    try {
        translated(block)
    } catch (e: CcauthError.Config) {
        throw OptionNames.rename(e)
    }
