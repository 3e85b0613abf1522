package dev.ccauth

import dev.ccauth.ffi.ClientAuth
import dev.ccauth.ffi.ClientOptions
import dev.ccauth.ffi.LifecycleEvent
import dev.ccauth.ffi.PrivateKey
import io.lettuce.core.RedisClient
import io.lettuce.core.ScanArgs
import io.lettuce.core.SetArgs
import io.lettuce.core.api.StatefulRedisConnection
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assumptions.assumeTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.util.Collections

/**
 * The fleet store in one JVM against a real Redis (scripts/with-redis.sh)
 * and the local authorization server: clients share through [LettuceStore];
 * tampered, foreign and truncated entries are rejected, reported and never
 * served; nothing is in clear in Redis or in events; a failing store is
 * never a caller's error; a 401 deletes the shared entry only while it holds
 * that token; the options are checked. The fleets of processes: FleetIT.
 */
class FleetStoreTest {
    private val env = System.getenv()
    private val redisUrl = env["CCAUTH_REDIS_URL"] ?: ""
    private val tokenEndpoint = env["CCAUTH_TOKEN_ENDPOINT"] ?: ""
    private val stats = env["CCAUTH_STATS_URL"] ?: ""
    private lateinit var redisClient: RedisClient
    private lateinit var redis: StatefulRedisConnection<String, ByteArray>
    private val stores = ArrayList<LettuceStore>()
    private val clients = ArrayList<ClientCredentials>()
    private val events: MutableList<LifecycleEvent> = Collections.synchronizedList(ArrayList())

    @BeforeEach
    fun setUp() {
        assumeTrue(redisUrl.isNotEmpty() && tokenEndpoint.isNotEmpty(), "needs scripts/with-redis.sh and scripts/with-auth-server.sh (scripts/test-kotlin.sh)")
        redisClient = RedisClient.create(redisUrl)
        redis = redisClient.connect(LettuceStore.CODEC)
        redis.sync().flushdb()
    }

    @AfterEach
    fun tearDown() {
        clients.forEach { it.close() }
        stores.forEach { it.close() }
        if (::redis.isInitialized) {
            redis.close()
            redisClient.shutdown()
        }
    }

    private val serverStats = ServerStats(stats)

    private fun tokenRequests(clientId: String): Int = serverStats.tokenRequests(clientId)

    private fun store(): LettuceStore = LettuceStore.fromUrl(redisUrl).also { stores += it }

    private fun client(
        clientId: String = "ccauth-basic",
        secret: String = BASIC_SECRET,
        store: TokenStore? = store(),
        storeKey: ByteArray? = null,
        transport: HttpTransport = UrlConnectionTransport(),
    ): ClientCredentials =
        ClientCredentials(
            ClientOptions(tokenEndpoint, clientId, ClientAuth.clientSecret(secret)),
            transport = transport,
            listener = { events += it },
            store = store,
            storeKey = storeKey,
        ).also { clients += it }

    private fun named(name: String) = synchronized(events) { events.filter { it.event == name } }

    /** A token endpoint that answers one canned token (for a foreign entry). */
    private class Canned(
        private val token: String,
    ) : HttpTransport {
        override fun send(request: HttpTransport.Request): HttpTransport.Response = HttpTransport.Response(200, listOf("Content-Type" to "application/json"), """{"access_token":"$token","token_type":"Bearer","expires_in":300}""".toByteArray())
    }

    /** A store whose every command throws (or answers nonsense of the right type). */
    private class Broken : TokenStore {
        var calls = 0

        override fun get(key: String): ByteArray? {
            calls++
            throw java.io.IOException("store down")
        }

        override fun setIfAbsent(
            key: String,
            value: ByteArray,
            ttlMs: Long,
        ): Boolean {
            calls++
            throw IllegalStateException("store down")
        }

        override fun set(
            key: String,
            value: ByteArray,
            ttlMs: Long,
        ) {
            calls++
            throw IllegalStateException("store down")
        }

        override fun deleteIfEquals(
            key: String,
            value: ByteArray,
        ): Boolean {
            calls++
            throw IllegalStateException("store down")
        }
    }

    @Test
    fun `clients share one token through Redis, 100 coroutines and threads each`() {
        val before = tokenRequests("ccauth-basic")
        val a = client()
        val b = client()
        val tokens =
            runBlocking(Dispatchers.Default) {
                (1..100).flatMap { i -> listOf(async { a.token().accessToken }, async { if (i % 2 == 0) b.token().accessToken else b.tokenBlocking().accessToken }) }.awaitAll()
            }
        assertEquals(1, tokens.toSet().size)
        assertEquals(before + 1, tokenRequests("ccauth-basic"))
        assertEquals(1, named("store_published").size)
        assertEquals(1, named("store_hit").size)
        val keys = a.storeKeys!!
        assertTrue(keys.token.startsWith("ccauth:{") && keys.token.endsWith("}:token"), keys.token)
        assertEquals(keys, b.storeKeys)
        assertNull(redis.sync().get(keys.lease), "the lease is released after publishing")
    }

    @Test
    fun `tampered, foreign and truncated entries are rejected, reported and never served`() {
        val first = client()
        val token = first.tokenBlocking().accessToken
        val key = first.storeKeys!!.token
        val entry = redis.sync().get(key)!!
        assertEquals("ccf1", String(entry, 0, 4))
        // Sealed under another secret (its entry copied to this key), and under
        // the same secret with another store key (the same entry name).
        val otherSecret = client(secret = "another-secret-0123456789", transport = Canned("foreign-token-one"))
        otherSecret.tokenBlocking()
        val foreignSecret = redis.sync().get(otherSecret.storeKeys!!.token)!!
        redis.sync().del(otherSecret.storeKeys!!.token)
        val otherKey = client(storeKey = "another-store-key-0123456789".toByteArray(), transport = Canned("foreign-token-two"))
        redis.sync().del(key)
        otherKey.tokenBlocking()
        assertEquals(key, otherKey.storeKeys!!.token)
        val foreignKey = redis.sync().get(key)!!
        val flipped = entry.copyOf().also { it[it.size - 1] = (it[it.size - 1].toInt() xor 1).toByte() }
        val nonce = entry.copyOf().also { it[6] = (it[6].toInt() xor 0x80).toByte() }
        val cases =
            linkedMapOf(
                "tampered" to (flipped to "tampered_or_foreign"),
                "tampered (nonce)" to (nonce to "tampered_or_foreign"),
                "another secret" to (foreignSecret to "tampered_or_foreign"),
                "another store key" to (foreignKey to "tampered_or_foreign"),
                "truncated (half)" to (entry.copyOf(entry.size / 2) to "tampered_or_foreign"),
                "truncated (header only)" to (entry.copyOf(20) to "truncated"),
                "truncated (magic)" to (entry.copyOf(4) to "truncated"),
                "empty" to (ByteArray(0) to "truncated"),
                "not an entry" to ("""{"access_token": "planted"}""".toByteArray() to "truncated"),
            )
        val served = mutableSetOf(token)
        for ((name, case) in cases) {
            val (value, reason) = case
            redis.sync().set(key, value, SetArgs.Builder.px(60_000))
            events.clear()
            val before = tokenRequests("ccauth-basic")
            val got = client().tokenBlocking().accessToken
            val rejected = named("store_entry_rejected")
            assertTrue(rejected.isNotEmpty() && rejected.all { it.reason == reason }, "$name: ${events.map { EventSink.line(it) }}")
            assertEquals(before + 1, tokenRequests("ccauth-basic"), "$name: fetched from the server instead")
            assertFalse(got in served || got in setOf("foreign-token-one", "foreign-token-two", "planted"), name)
            served += got
            // The rejected entry was replaced by this client's sealed token.
            val now = redis.sync().get(key)
            assertNotNull(now, name)
            assertFalse(now!!.contentEquals(value), name)
        }
    }

    @Test
    fun `no secret or token in clear in Redis or in events`() {
        val basic = listOf(client(), client())
        val tokens = basic.map { it.tokenBlocking().accessToken }.toMutableSet()
        assertEquals(1, tokens.size, "the second client's token came from the store")
        val short = listOf(client("ccauth-short", SHORT_SECRET), client("ccauth-short", SHORT_SECRET))
        val first = short[0].tokenBlocking()
        tokens += first.accessToken
        val refreshAt = first.refreshAt.toEpochMilli()
        Thread.sleep(maxOf(0, refreshAt - System.currentTimeMillis()) + 50)
        val deadline = System.currentTimeMillis() + 6_000
        while (tokens.size < 3 && System.currentTimeMillis() < deadline) {
            short.forEach { tokens += it.tokenBlocking().accessToken }
            Thread.sleep(50)
        }
        assertEquals(3, tokens.size, "a refresh went through the store")
        val values =
            redis
                .sync()
                .scan(ScanArgs.Builder.limit(1000))
                .keys
                .associateWith { redis.sync().get(it) }
        assertTrue(values.isNotEmpty())
        val needles = mutableListOf(BASIC_SECRET, SHORT_SECRET, "ccauth-basic", "ccauth-short")
        for (t in tokens) {
            needles += t
            needles += t.split('.').filter { it.length >= 16 }
        }
        for ((k, v) in values) {
            for (needle in needles) {
                assertFalse(k.contains(needle), "${needle.take(12)}… in a key name")
                assertFalse(v != null && indexOf(v, needle.toByteArray()) >= 0, "${needle.take(12)}… in the value of $k")
            }
        }
        val texts = synchronized(events) { events.map { EventSink.line(it) + " " + it.toString() } }
        assertTrue(texts.any { "store_hit" in it } && texts.any { "store_published" in it })
        for (text in texts) for (needle in needles) assertFalse(needle in text, "${needle.take(12)}… in ${text.take(80)}")
    }

    @Test
    fun `a failing store is never a caller's error`() {
        val store = Broken()
        val client = client(store = store)
        assertTrue(client.tokenBlocking().accessToken.isNotEmpty())
        assertEquals(1, store.calls, "one failed read, then the token request alone (no publish while the store is down)")
        assertEquals(listOf("store_unavailable"), events.map { it.event }.filter { it.startsWith("store_") })
    }

    @Test
    fun `a stopped Redis is a store failure, not an error (LettuceStore on a closed port)`() {
        val port = java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()).use { it.localPort }
        val store = LettuceStore.fromUrl("redis://127.0.0.1:$port/0").also { stores += it }
        val t0 = System.nanoTime()
        val client = client(store = store)
        assertTrue(client.tokenBlocking().accessToken.isNotEmpty())
        val ms = (System.nanoTime() - t0) / 1_000_000
        assertTrue(ms < 3_000, "$ms ms")
        assertEquals(listOf("store_unavailable"), events.map { it.event }.filter { it.startsWith("store_") })
    }

    @Test
    fun `a 401 deletes the shared entry only while it holds that token`() {
        val a = client()
        val token = a.tokenBlocking()
        val key = a.storeKeys!!.token
        assertNotNull(redis.sync().get(key))
        assertTrue(a.invalidate(token, "Bearer error=\"invalid_token\""))
        assertNull(redis.sync().get(key), "the entry held the dropped token: deleted")
        val b = client()
        val fresh = b.tokenBlocking() // fetched and published anew
        assertNotNull(redis.sync().get(key))
        a.invalidate(a.tokenBlocking(), "Bearer error=\"invalid_token\"") // a holds b's token now (a store hit): deleted
        assertNull(redis.sync().get(key))
        val c = client()
        c.tokenBlocking()
        val entry = redis.sync().get(key)
        assertTrue(b.invalidate(fresh, "Bearer error=\"invalid_token\"")) // b's old token is no longer the entry's
        assertArrayEquals(entry, redis.sync().get(key), "another token's entry is left alone")
    }

    @Test
    fun `store options are checked`() {
        val dpop =
            assertThrows<CcauthError.Config> {
                ClientCredentials(
                    ClientOptions(tokenEndpoint, "ccauth-dpop", ClientAuth.clientSecret("dpop-secret-0123456789"), dpopKey = PrivateKey.generateP256()),
                    store = Broken(),
                )
            }
        assertEquals("store", dpop.field)
        assertTrue("DPoP" in (dpop.message ?: ""), dpop.message)
        val keyless = assertThrows<CcauthError.Config> { ClientCredentials(ClientOptions(tokenEndpoint, "ccauth-basic", ClientAuth.None), store = Broken()) }
        assertEquals("storeKey", keyless.field)
        val short = assertThrows<CcauthError.Config> { ClientCredentials(ClientOptions(tokenEndpoint, "ccauth-basic", ClientAuth.None), store = Broken(), storeKey = "too short".toByteArray()) }
        assertEquals("storeKey", short.field)
        assertTrue("storeKey" in (short.message ?: ""), short.message)
        val ok = ClientCredentials(ClientOptions(tokenEndpoint, "ccauth-basic", ClientAuth.None), store = Broken(), storeKey = "a store key of 16+ bytes".toByteArray())
        assertTrue(ok.storeKeys!!.token.endsWith("}:token"))
        ok.close()
        ClientCredentials(ClientOptions(tokenEndpoint, "ccauth-basic", ClientAuth.clientSecret(BASIC_SECRET))).use { assertNull(it.storeKeys) }
        assertTrue("redis.call('GET', KEYS[1]) == ARGV[1]" in TokenStore.DELETE_IF_EQUALS_SCRIPT)
    }

    companion object {
        const val BASIC_SECRET = "s3cr3t+/:%&= \"~*"
        const val SHORT_SECRET = "short-secret-0123456789"

        private fun indexOf(
            haystack: ByteArray,
            needle: ByteArray,
        ): Int {
            outer@ for (i in 0..haystack.size - needle.size) {
                for (j in needle.indices) if (haystack[i + j] != needle[j]) continue@outer
                return i
            }
            return -1
        }
    }
}
