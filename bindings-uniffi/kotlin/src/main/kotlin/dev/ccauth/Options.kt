package dev.ccauth

import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonArray
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.put

/** When to refresh: leeway = min(max(lifetime·leewayPercent/100, minLeewayMs), maxLeewayMs, lifetime/2). `null` keeps the core's default. */
data class RefreshPolicy(
    val minLeewayMs: Long? = null,
    val maxLeewayMs: Long? = null,
    val leewayPercent: Int? = null,
    val defaultLifetimeMs: Long? = null,
)

/** Retries of the token request (core defaults: 3 attempts, 60 s of waiting, 30 s cool-down after a permanent failure). */
data class RetryPolicy(
    val maxAttempts: Int? = null,
    val maxWaitMs: Long? = null,
    val failureCooldownMs: Long? = null,
    val attemptTimeoutMs: Long? = null,
)

/**
 * Every option of the core. Not a data class: [toString] must not print [clientSecret].
 *
 * @param tokenEndpoint the token endpoint URL (https, or http to a loopback host)
 * @param authMethod `client_secret_basic` (default), `client_secret_post`, `tls_client_auth`, `none`
 * @param basicAuthEncoding `form_urlencoded` (RFC 6749 §2.3.1, default) or `raw`
 * @param scopes scopes to request; [includeScope] `false` leaves `scope` out
 * @param audience the `audience` parameter (Auth0 and others)
 * @param resources RFC 8707 resource indicators
 * @param bodyFormat `form` (default) or `json`
 * @param dangerAcceptInsecureHttp allow plain http to a non-loopback host
 * @param maxResponseBytes largest token response accepted (default 1 MiB)
 * @param privateKey the key for `private_key_jwt` (RFC 7523): PKCS#8 PEM, or a JWK as JSON text
 * @param clientAssertionAlg `HS256` (default), `HS384`, `HS512` for `client_secret_jwt`; else the key's
 * @param keyId the `kid` header of client assertions
 * @param assertionAudience the assertions' `aud` (default: the token endpoint; the issuer after discovery)
 * @param assertionLifetimeMs lifetime of each assertion, 1 s to 5 min (default 60 s)
 * @param clientAssertion `private_key_jwt` with an assertion minted elsewhere (workload identity):
 *   called for every token request (e.g. reads a Kubernetes service-account token file)
 * @param dpop DPoP (RFC 9449) with a new ES256 key; [dpopKey] gives the key instead
 * @param revocationEndpoint RFC 7009 endpoint for [ClientCredentials.revoke] (discovery fills it)
 * @param introspectionEndpoint RFC 7662 endpoint for [ClientCredentials.introspect] (discovery fills it)
 * @param proactiveRefresh refresh on a timer at the core's refresh time, so an idle client's next call
 *   never waits for a fetch (a background coroutine; [ClientCredentials.close] stops it)
 */
class ClientCredentialsOptions(
    val tokenEndpoint: String,
    val clientId: String,
    val clientSecret: String? = null,
    val authMethod: String? = null,
    val basicAuthEncoding: String? = null,
    val scopes: List<String> = emptyList(),
    val includeScope: Boolean? = null,
    val audience: String? = null,
    val resources: List<String> = emptyList(),
    val extraBodyParams: List<Pair<String, String>> = emptyList(),
    val extraQueryParams: List<Pair<String, String>> = emptyList(),
    val extraHeaders: List<Pair<String, String>> = emptyList(),
    val bodyFormat: String? = null,
    val dangerAcceptInsecureHttp: Boolean = false,
    val maxResponseBytes: Long? = null,
    val refresh: RefreshPolicy? = null,
    val retry: RetryPolicy? = null,
    val privateKey: String? = null,
    val clientAssertionAlg: String? = null,
    val keyId: String? = null,
    val assertionAudience: String? = null,
    val assertionLifetimeMs: Long? = null,
    val clientAssertion: (() -> String)? = null,
    val dpop: Boolean = false,
    val dpopKey: String? = null,
    val revocationEndpoint: String? = null,
    val introspectionEndpoint: String? = null,
    val proactiveRefresh: Boolean = false,
) {
    override fun toString(): String = "ClientCredentialsOptions(tokenEndpoint=$tokenEndpoint, clientId=$clientId, clientSecret=[REDACTED])"

    /** The core's config document (the shared vectors' `config`), as JSON text. */
    internal fun toConfigJson(dpopKeyJson: String? = null, issuer: String? = null, metadataJson: String? = null): String {
        fun pairs(p: List<Pair<String, String>>): JsonArray =
            buildJsonArray { p.forEach { (k, v) -> add(buildJsonArray { add(JsonPrimitive(k)); add(JsonPrimitive(v)) }) } }
        return buildJsonObject {
            put("token_endpoint", tokenEndpoint)
            put("client_id", clientId)
            clientSecret?.let { put("client_secret", it) }
            authMethod?.let { put("auth_method", it) }
            basicAuthEncoding?.let { put("basic_auth_encoding", it) }
            put("scopes", buildJsonArray { scopes.forEach { add(JsonPrimitive(it)) } })
            includeScope?.let { put("include_scope", it) }
            audience?.let { put("audience", it) }
            put("resources", buildJsonArray { resources.forEach { add(JsonPrimitive(it)) } })
            put("extra_body_params", pairs(extraBodyParams))
            put("extra_query_params", pairs(extraQueryParams))
            put("extra_headers", pairs(extraHeaders))
            bodyFormat?.let { put("body_format", it) }
            put("danger_accept_insecure_http", dangerAcceptInsecureHttp)
            maxResponseBytes?.let { put("max_response_bytes", it) }
            refresh?.let { r ->
                put("refresh", buildJsonObject {
                    r.minLeewayMs?.let { put("min_leeway_ms", it) }
                    r.maxLeewayMs?.let { put("max_leeway_ms", it) }
                    r.leewayPercent?.let { put("leeway_percent", it) }
                    r.defaultLifetimeMs?.let { put("default_lifetime_ms", it) }
                })
            }
            privateKey?.let { put("private_key", it) }
            clientAssertionAlg?.let { put("client_assertion_alg", it) }
            keyId?.let { put("key_id", it) }
            assertionAudience?.let { put("assertion_audience", it) }
            assertionLifetimeMs?.let { put("assertion_lifetime_ms", it) }
            if (clientAssertion != null) put("external_client_assertion", true)
            (dpopKeyJson ?: dpopKey)?.let { put("dpop_key", it) }
            issuer?.let { put("issuer", it) }
            metadataJson?.let { put("server_metadata", Json.parseToJsonElement(it)) }
            revocationEndpoint?.let { put("revocation_endpoint", it) }
            introspectionEndpoint?.let { put("introspection_endpoint", it) }
            if (proactiveRefresh) put("proactive_refresh", true)
            retry?.let { r ->
                put("retry", buildJsonObject {
                    r.maxAttempts?.let { put("max_attempts", it) }
                    r.maxWaitMs?.let { put("max_wait_ms", it) }
                    r.failureCooldownMs?.let { put("failure_cooldown_ms", it) }
                    r.attemptTimeoutMs?.let { put("attempt_timeout_ms", it) }
                })
            }
        }.toString()
    }
}
