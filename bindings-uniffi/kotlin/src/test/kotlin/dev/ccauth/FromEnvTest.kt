package dev.ccauth

import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.util.Collections

/**
 * [ClientCredentials.fromEnv] against the real authorization server on
 * 127.0.0.1 (scripts/with-auth-server.sh): every client is built from an
 * explicit map (the harness's own `CCAUTH_*` variables would otherwise mix in).
 */
class FromEnvTest {
    private val harness = System.getenv()
    private val tokenEndpoint = harness["CCAUTH_TOKEN_ENDPOINT"] ?: error("run through scripts/with-auth-server.sh")
    private val issuer = harness["CCAUTH_ISSUER"]!!
    private val api = harness["CCAUTH_API_URL"]!!
    private val serverStats = ServerStats(harness["CCAUTH_STATS_URL"]!!)
    private val keys = File(System.getProperty("ccauth.vectors"), "keys")
    private val http = HttpClient.newHttpClient()

    @TempDir lateinit var dir: File

    private val post =
        mapOf(
            "CCAUTH_TOKEN_ENDPOINT" to tokenEndpoint,
            "CCAUTH_CLIENT_ID" to "ccauth-post",
            "CCAUTH_CLIENT_SECRET" to POST_SECRET,
            "CCAUTH_AUTH_METHOD" to "client_secret_post",
            "CCAUTH_SCOPE" to "api.read",
            "HOME" to "/root", // not a ccauth variable: ignored
        )

    /** The API's answer to [header]: its status and the `client_id` the token was issued to. */
    private fun callApi(header: String): Pair<Int, String?> {
        val response = http.send(HttpRequest.newBuilder(URI.create(api)).header("Authorization", header).build(), HttpResponse.BodyHandlers.ofString())
        if (response.statusCode() != 200) return response.statusCode() to null
        return 200 to
            Json
                .parseToJsonElement(response.body())
                .jsonObject["client_id"]
                ?.jsonPrimitive
                ?.content
    }

    /** The URLs a client asked for, through the default transport. */
    private class Recording : HttpTransport {
        private val inner = UrlConnectionTransport()
        val urls: MutableList<String> = Collections.synchronizedList(mutableListOf())

        override fun send(request: HttpTransport.Request): HttpTransport.Response {
            urls += request.url
            return inner.send(request)
        }
    }

    /** Neither the message, toString nor the stack trace holds any of [secrets]. */
    private fun assertClean(
        e: Throwable,
        vararg secrets: String,
    ) {
        val shown = "${e.message} $e ${e.stackTraceToString()}"
        for (secret in secrets) assertFalse(shown.contains(secret), "a secret is shown: $e")
    }

    @Test
    fun `token endpoint, id and secret from the environment give a token the API takes`() {
        val before = serverStats.tokenRequests("ccauth-post")
        val events = Collections.synchronizedList(mutableListOf<String>())
        ClientCredentials.fromEnvBlocking(listener = { events += it.event }, env = post).use { client ->
            val token = client.tokenBlocking()
            assertEquals("api.read", token.scope)
            assertEquals(200 to "ccauth-post", callApi(client.authorizationHeaderBlocking()))
            client.tokenBlocking() // cached
            assertEquals(1, serverStats.tokenRequests("ccauth-post") - before, "one token request")
            assertEquals(listOf("fetch_started", "fetch_succeeded"), events.toList())
            assertFalse(client.toString().contains(POST_SECRET))
            assertFalse(client.toString().contains(token.accessToken))
        }
    }

    @Test
    fun `an issuer alone is discovered first, then the token comes from its token endpoint`() =
        runBlocking {
            val before = serverStats.tokenRequests("ccauth-post")
            val transport = Recording()
            val env = post - "CCAUTH_TOKEN_ENDPOINT" + ("CCAUTH_ISSUER" to issuer)
            ClientCredentials.fromEnv(transport = transport, env = env).use { client ->
                // The core keeps an issuer's metadata per process: another test may have fetched it.
                assertTrue(transport.urls.all { "/.well-known/" in it }, "discovery only: ${transport.urls}")
                val discovered = transport.urls.size
                val (status, clientId) = callApi(client.authorizationHeader())
                assertEquals(200 to "ccauth-post", status to clientId)
                assertEquals(listOf(tokenEndpoint), transport.urls.drop(discovered), "then the discovered token endpoint")
                assertEquals(1, serverStats.tokenRequests("ccauth-post") - before)
            }
            // An issuer nobody answers for: discovery's transport error, before any client exists.
            val unreachable = Recording()
            val e =
                assertThrows<CcauthError.Transport> {
                    runBlocking { ClientCredentials.fromEnv(transport = unreachable, env = env + ("CCAUTH_ISSUER" to "http://127.0.0.1:9")) }
                }
            assertEquals("connect", e.transportKind)
            assertTrue(unreachable.urls.isNotEmpty() && unreachable.urls.all { it.startsWith("http://127.0.0.1:9/.well-known/") }, "${unreachable.urls}")
            assertClean(e, POST_SECRET)
        }

    @Test
    fun `CCAUTH_CONFIG_FILE gives the document and the variables override it`() {
        // The file names another client and a wrong secret; the variables win.
        val config = File(dir, "ccauth.json")
        config.writeText(
            """{"token_endpoint": "$tokenEndpoint", "client_id": "ccauth-basic", "client_secret": "$WRONG", "scopes": ["api.read"]}""",
        )
        val env =
            mapOf(
                "CCAUTH_CONFIG_FILE" to config.path,
                "CCAUTH_CLIENT_ID" to "ccauth-post",
                "CCAUTH_CLIENT_SECRET" to POST_SECRET,
                "CCAUTH_AUTH_METHOD" to "client_secret_post",
            )
        val post = serverStats.tokenRequests("ccauth-post")
        val basic = serverStats.tokenRequests("ccauth-basic")
        ClientCredentials.fromEnvBlocking(env = env).use { client ->
            val token = client.tokenBlocking()
            assertEquals("api.read", token.scope, "the file's scopes")
            assertEquals(200 to "ccauth-post", callApi(token.authorization))
        }
        assertEquals(1, serverStats.tokenRequests("ccauth-post") - post)
        assertEquals(0, serverStats.tokenRequests("ccauth-basic") - basic)
    }

    @Test
    fun `proactive_refresh in the config file arms the refresh timer`() {
        // ccauth-short's tokens live a few seconds; nobody asks after the first.
        val config = File(dir, "short.json")
        config.writeText("""{"token_endpoint": "$tokenEndpoint", "client_id": "ccauth-short", "scopes": ["api.read"], "proactive_refresh": true}""")
        val env = mapOf("CCAUTH_CONFIG_FILE" to config.path, "CCAUTH_CLIENT_SECRET" to SHORT_SECRET)
        val before = serverStats.tokenRequests("ccauth-short")
        ClientCredentials.fromEnvBlocking(env = env).use { client ->
            val first = client.tokenBlocking()
            assertEquals(1, serverStats.tokenRequests("ccauth-short") - before)
            Thread.sleep(first.expiresAt.toEpochMilli() - System.currentTimeMillis() + 300)
            assertTrue(serverStats.tokenRequests("ccauth-short") - before >= 2, "the timer fetched again without a caller")
        }
    }

    @Test
    fun `CCAUTH_PRIVATE_KEY_FILE signs a private_key_jwt assertion`() {
        val env =
            mapOf(
                "CCAUTH_TOKEN_ENDPOINT" to tokenEndpoint,
                "CCAUTH_CLIENT_ID" to "ccauth-es256",
                "CCAUTH_AUTH_METHOD" to "private_key_jwt",
                "CCAUTH_PRIVATE_KEY_FILE" to File(keys, "p256.pem").path,
                "CCAUTH_SCOPE" to "api.read",
            )
        val before = serverStats.tokenRequests("ccauth-es256")
        ClientCredentials.fromEnvBlocking(env = env).use { client ->
            assertEquals("api.read", client.tokenBlocking().scope)
        }
        assertEquals(1, serverStats.tokenRequests("ccauth-es256") - before)
    }

    @Test
    fun `a misspelt variable is a config error naming the right one, never the secret`() {
        val env = post - "CCAUTH_CLIENT_SECRET" + ("CCAUTH_CLIENT_SECRTE" to POST_SECRET)
        val before = serverStats.tokenRequests("ccauth-post")
        val e = assertThrows<CcauthError.Config> { ClientCredentials.fromEnvBlocking(env = env) }
        assertEquals("environment", e.field)
        assertEquals("INVALID_CONFIG_DOCUMENT", e.code)
        assertTrue(e.message!!.contains("CCAUTH_CLIENT_SECRTE is not a ccauth variable; did you mean CCAUTH_CLIENT_SECRET?"), e.message)
        assertClean(e, POST_SECRET)
        assertEquals(0, serverStats.tokenRequests("ccauth-post") - before, "no request")
    }

    @Test
    fun `a missing client id is a config error naming clientId`() {
        val e = assertThrows<CcauthError.Config> { ClientCredentials.fromEnvBlocking(env = post - "CCAUTH_CLIENT_ID") }
        assertEquals("clientId", e.field)
        assertTrue(e.message!!.contains("required option missing"), e.message)
        assertClean(e, POST_SECRET)
    }

    @Test
    fun `a wrong secret from the environment is the server's invalid_client, without the secret`() {
        ClientCredentials.fromEnvBlocking(env = post + ("CCAUTH_CLIENT_SECRET" to WRONG)).use { client ->
            val e = assertThrows<CcauthError.OAuth> { client.tokenBlocking() }
            assertEquals("invalid_client" to 401, e.error to e.status)
            assertClean(e, WRONG)
        }
    }

    @Test
    fun `an unreadable config file and a document that needs code are config errors`() {
        val missing = File(dir, "absent.json").path
        val e = assertThrows<CcauthError.Config> { ClientCredentials.fromEnvBlocking(env = post + ("CCAUTH_CONFIG_FILE" to missing)) }
        assertEquals("configFile", e.field)
        assertTrue(e.message!!.contains("cannot read $missing: no such file"), e.message)
        assertClean(e, POST_SECRET)

        val notJson = File(dir, "not.json").apply { writeText("client_secret=$WRONG") }
        val bad = assertThrows<CcauthError.Config> { ClientCredentials.fromEnvBlocking(env = post + ("CCAUTH_CONFIG_FILE" to notJson.path)) }
        assertEquals("configFile", bad.field)
        assertClean(bad, POST_SECRET, WRONG)

        for ((name, value) in listOf("external_client_assertion" to "true", "host_signed_key" to """{"alg": "ES256"}""")) {
            val file = File(dir, "$name.json").apply { writeText("""{"$name": $value}""") }
            val refused = assertThrows<CcauthError.Config> { ClientCredentials.fromEnvBlocking(env = post + ("CCAUTH_CONFIG_FILE" to file.path)) }
            assertEquals(OptionNames.of(name), refused.field)
            assertTrue(refused.message!!.contains("needs a callable or a signer"), refused.message)
            assertClean(refused, POST_SECRET)
        }
    }

    @Test
    fun `an http token endpoint beyond loopback is refused before any request`() {
        val e = assertThrows<CcauthError.Config> { ClientCredentials.fromEnvBlocking(env = post + ("CCAUTH_TOKEN_ENDPOINT" to "http://as.example.com/token")) }
        assertEquals("tokenEndpoint", e.field)
        assertClean(e, POST_SECRET)
    }

    private companion object {
        const val POST_SECRET = "post-secret-0123456789"
        const val SHORT_SECRET = "short-secret-0123456789"
        const val WRONG = "wrong-secret-0123456789"
    }
}
