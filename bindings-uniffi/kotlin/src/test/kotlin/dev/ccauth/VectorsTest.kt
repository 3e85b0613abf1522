package dev.ccauth

import dev.ccauth.ffi.Header
import dev.ccauth.ffi.buildTokenRequest
import dev.ccauth.ffi.parseTokenResponse
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.booleanOrNull
import kotlinx.serialization.json.int
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.long
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.assertThrows
import java.io.File
import java.util.Base64

/** Every request and response vector in tests/vectors/ through the Kotlin bindings: the same bytes as Rust. */
class VectorsTest {
    private val dir = File(System.getProperty("ccauth.vectors") ?: error("ccauth.vectors not set"))
    private val defaultConfig = """{"token_endpoint":"https://as.example.com/token","client_id":"client","client_secret":"vector-secret-1"}"""

    private fun cases(kind: String): List<Pair<String, JsonObject>> =
        dir.listFiles { f -> f.name.startsWith("${kind}_") && f.name.endsWith(".json") }!!.sorted().flatMap { f ->
            Json.parseToJsonElement(f.readText()).jsonObject["cases"]!!.jsonArray.map {
                "${f.nameWithoutExtension}/${it.jsonObject["name"]!!.jsonPrimitive.content}" to it.jsonObject
            }
        }

    private fun str(e: JsonElement?): String? = if (e == null || e is JsonNull) null else e.jsonPrimitive.content

    private fun check(
        want: JsonObject,
        key: String,
        got: JsonElement,
    ) {
        val w = want[key] ?: return
        assertEquals(w, got, key)
    }

    private fun prim(v: String?): JsonElement = v?.let { JsonPrimitive(it) } ?: JsonNull

    private fun prim(v: Long?): JsonElement = v?.let { JsonPrimitive(it) } ?: JsonNull

    private fun assertClean(
        text: String,
        secrets: List<String?>,
    ) {
        for (s in secrets) if (s != null && s.length >= 8) assertFalse(text.contains(s), "leaks a secret: $text")
    }

    @TestFactory
    fun requestVectors(): List<DynamicTest> =
        cases("request").also { assertTrue(it.size >= 80) }.map { (id, c) ->
            DynamicTest.dynamicTest(id) {
                val config = c["config"]!!.jsonObject
                val secret = str(config["client_secret"])
                val wantError = c["expect_error"]?.jsonObject
                if (wantError != null) {
                    val e = assertThrows<CcauthError> { translated { buildTokenRequest(config.toString()) } }
                    check(wantError, "code", JsonPrimitive(e.code))
                    check(wantError, "field", prim(e.field))
                    assertClean("$e ${e.message} ${e.stackTraceToString()}", listOf(secret))
                    return@dynamicTest
                }
                val r = buildTokenRequest(config.toString())
                val want = c["expect"]!!.jsonObject
                check(want, "method", JsonPrimitive(r.method()))
                check(want, "url", JsonPrimitive(r.url()))
                check(want, "headers", JsonArray(r.headers().map { JsonArray(listOf(JsonPrimitive(it.name), JsonPrimitive(it.value))) }))
                check(want, "body", JsonPrimitive(r.body().decodeToString()))
                assertClean(r.toString(), listOf(secret))
            }
        }

    @TestFactory
    fun responseVectors(): List<DynamicTest> =
        cases("response").also { assertTrue(it.size >= 60) }.map { (id, c) ->
            DynamicTest.dynamicTest(id) {
                val config = c["config"]?.toString() ?: defaultConfig
                val secret = str(Json.parseToJsonElement(config).jsonObject["client_secret"])
                val res = c["response"]!!.jsonObject
                val body =
                    res["body_base64"]?.let { Base64.getDecoder().decode(it.jsonPrimitive.content) }
                        ?: (str(res["body"]) ?: "").encodeToByteArray()
                val headers = res["headers"]?.jsonArray?.map { Header(it.jsonArray[0].jsonPrimitive.content, it.jsonArray[1].jsonPrimitive.content) } ?: emptyList()
                val status = res["status"]!!.jsonPrimitive.int.toUShort()
                val now = c["now_ms"]!!.jsonPrimitive.long.toULong()
                val wantError = c["expect_error"]?.jsonObject
                if (wantError != null) {
                    val e = assertThrows<CcauthError> { translated { parseTokenResponse(config, status, headers, body, now) } }
                    check(wantError, "code", JsonPrimitive(e.code))
                    check(wantError, "status", prim(e.status?.toLong()))
                    check(wantError, "error", prim(e.error))
                    check(wantError, "error_description", prim(e.errorDescription))
                    check(wantError, "error_uri", prim(e.errorUri))
                    check(wantError, "retryable", JsonPrimitive(e.retryable))
                    check(wantError, "retry_after_ms", prim(e.retryAfterMs))
                    check(wantError, "body_kind", prim(e.bodyKind))
                    check(wantError, "excerpt", prim(e.excerpt))
                    check(wantError, "content_type", prim(e.contentType))
                    check(wantError, "body_len", prim(e.bodyLen))
                    check(wantError, "dpop_nonce", prim(e.dpopNonce))
                    check(
                        wantError,
                        "www_authenticate",
                        JsonArray(
                            e.wwwAuthenticate.map { c ->
                                JsonObject(mapOf("scheme" to JsonPrimitive(c.scheme), "params" to JsonArray(c.params.map { (k, v) -> JsonArray(listOf(JsonPrimitive(k), JsonPrimitive(v))) })))
                            },
                        ),
                    )
                    // Compared exactly: the map the user sees against the vector's object read the same way.
                    wantError["extras"]?.let { assertEquals(CcauthError.plain(it), e.extras, "extras") }
                    assertEquals(e is CcauthError.OAuth, e.code == "TOKEN_ENDPOINT_ERROR")
                    assertClean("$e ${e.message} ${e.stackTraceToString()}", listOf(secret))
                    return@dynamicTest
                }
                val ffi = parseTokenResponse(config, status, headers, body, now)
                val t = AccessToken.of(ffi)
                val want = c["expect"]!!.jsonObject
                check(want, "access_token", JsonPrimitive(t.accessToken))
                check(want, "token_type", JsonPrimitive(t.tokenType))
                check(want, "authorization_header", JsonPrimitive(t.authorization))
                check(want, "issued_at_ms", JsonPrimitive(t.issuedAt.toEpochMilli()))
                check(want, "expires_at_ms", JsonPrimitive(t.expiresAt.toEpochMilli()))
                check(want, "expiry_source", JsonPrimitive(t.expirySource))
                check(want, "refresh_at_ms", JsonPrimitive(t.refreshAt.toEpochMilli()))
                check(want, "scope", prim(t.scope))
                check(want, "refresh_token", prim(t.refreshToken))
                check(want, "id_token", prim(t.idToken))
                check(
                    want,
                    "extra_keys",
                    JsonArray(
                        Json
                            .parseToJsonElement(t.extrasJson)
                            .jsonObject.keys
                            .sorted()
                            .map { JsonPrimitive(it) },
                    ),
                )
                check(want, "deviations", JsonArray(t.deviations.map { JsonPrimitive(it) }))
                want["at"]?.jsonArray?.forEach { at ->
                    val o = at.jsonObject
                    assertEquals(o["is_expired"]!!.jsonPrimitive.booleanOrNull, ffi.isExpired(o["now_ms"]!!.jsonPrimitive.long.toULong()))
                }
                assertClean("$t $ffi", listOf(secret, t.accessToken, t.refreshToken, t.idToken))
            }
        }
}
