package dev.ccauth

/**
 * The core names config fields as its JSON document does (`token_endpoint`,
 * `retry.max_attempts`, `scopes[1]`); a Kotlin user set [ClientCredentialsOptions]'
 * properties (`tokenEndpoint`, `retry = RetryPolicy(maxAttempts = …)`). Config
 * errors are reported with the Kotlin names, in [CcauthError.field] and in the message.
 */
internal object OptionNames {
    /** Document fields whose Kotlin option is not their camelCase spelling. */
    private val renamed = mapOf(
        "external_client_assertion" to "clientAssertion",
        "config" to "options",
    )

    /** Every document field the core knows (top level and nested): only these are renamed inside a reason. */
    private val known = setOf(
        "token_endpoint", "client_id", "client_secret", "auth_method", "basic_auth_encoding", "scopes", "include_scope",
        "audience", "resources", "extra_body_params", "extra_query_params", "extra_headers", "body_format",
        "danger_accept_insecure_http", "max_response_bytes", "refresh", "retry", "private_key", "client_assertion_alg",
        "external_client_assertion", "key_id", "assertion_audience", "assertion_lifetime_ms", "dpop_key", "issuer",
        "server_metadata", "min_leeway_ms", "max_leeway_ms", "leeway_percent", "default_lifetime_ms", "max_attempts",
        "max_wait_ms", "failure_cooldown_ms", "attempt_timeout_ms", "revocation_endpoint", "introspection_endpoint",
        "proactive_refresh",
    )

    /** The values of the options that take one of a list (the same spelling as the core's). */
    val allowed = mapOf(
        "auth_method" to listOf("client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "tls_client_auth", "none"),
        "basic_auth_encoding" to listOf("form_urlencoded", "raw"),
        "body_format" to listOf("form", "json"),
        "client_assertion_alg" to listOf("HS256", "HS384", "HS512", "RS256", "PS256", "ES256", "ES384", "EdDSA"),
    )

    private val segment = Regex("""^([A-Za-z0-9_]+)((?:\[\d+])*)$""")
    private val word = Regex("""(?<![A-Za-z0-9_])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![A-Za-z0-9_])""")
    private val itemIndex = Regex("""\[(\d+)]""")
    private val itemInMessage = Regex("""`[^`]*` \(item (\d+)\)""")

    /** snake_case → camelCase. */
    private fun camel(name: String): String =
        name.split('_').filter { it.isNotEmpty() }.mapIndexed { i, part -> if (i == 0) part else part.replaceFirstChar { it.uppercase() } }.joinToString("")

    /** The Kotlin name of a document field, without list positions: `retry.max_attempts` → `retry.maxAttempts`, `scopes[1]` → `scopes`. */
    fun of(field: String): String = field.split('.').joinToString(".") { part ->
        val m = segment.find(part) ?: return@joinToString part
        val base = m.groupValues[1]
        renamed[base] ?: camel(base)
    }

    /** The first list position in a document field (`scopes[1]` → 1). */
    fun indexIn(field: String): Int? = itemIndex.find(field)?.groupValues?.get(1)?.toIntOrNull()

    /**
     * A reason with the document's field names in Kotlin spelling (values such
     * as `client_secret_basic` are left alone), and the core's advice about
     * Cargo features replaced: this library is built with every algorithm.
     */
    fun reason(reason: String): String {
        if (reason.contains("cargo feature", ignoreCase = true) || reason.contains("feature)")) {
            return "this key or algorithm is not supported (this library includes every algorithm ccauth has)"
        }
        return word.replace(reason) { m -> if (m.value in known) of(m.value) else m.value }
    }

    /** The core's message parsed: "CODE: invalid `field` (item N): reason" → reason. */
    private fun reasonIn(message: String): String? = message.substringAfter("`: ", "").ifEmpty { null }
        ?: Regex("""\(item \d+\): (.*)$""").find(message)?.groupValues?.get(1)

    /** A config error from the core, renamed for Kotlin (field, index, reason and message). */
    fun rename(error: CcauthError): CcauthError {
        if (error !is CcauthError.Config) return error
        val field = error.field ?: return error
        val own = of(field)
        val index = error.index ?: indexIn(field) ?: itemInMessage.find(error.message ?: "")?.groupValues?.get(1)?.toIntOrNull()
        var reason = reason(error.reason ?: reasonIn(error.message ?: "") ?: "invalid value")
        allowed[field]?.let { values -> if (values.none { reason.contains(it) }) reason += "; one of: ${values.joinToString(", ")}" }
        val message = "${error.code}: invalid `$own`" + (index?.let { " (item $it)" } ?: "") + ": $reason"
        return CcauthError.Config(
            CcauthError.Details(
                kind = dev.ccauth.ffi.ErrorKind.CONFIG, code = error.code, message = message, retryable = error.retryable,
                field = own, reason = reason, index = index,
            ),
        )
    }
}

/** [translated], with config errors in Kotlin's option names: for anything built from [ClientCredentialsOptions]. */
internal inline fun <T> configured(block: () -> T): T =
    try {
        translated(block)
    } catch (e: CcauthError.Config) {
        throw OptionNames.rename(e)
    }
