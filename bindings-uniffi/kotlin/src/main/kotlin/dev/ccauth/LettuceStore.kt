package dev.ccauth

import io.lettuce.core.RedisClient
import io.lettuce.core.RedisURI
import io.lettuce.core.ScriptOutputType
import io.lettuce.core.SetArgs
import io.lettuce.core.SocketOptions
import io.lettuce.core.api.StatefulRedisConnection
import io.lettuce.core.cluster.api.sync.RedisClusterCommands
import io.lettuce.core.codec.ByteArrayCodec
import io.lettuce.core.codec.RedisCodec
import io.lettuce.core.codec.StringCodec
import io.lettuce.core.resource.ClientResources
import io.lettuce.core.resource.Delay
import java.time.Duration
import java.util.concurrent.TimeUnit

/**
 * The fleet store on [Lettuce](https://lettuce.io) (`io.lettuce:lettuce-core`,
 * an optional dependency: add it to your build; the rest of ccauth runs
 * without it, and only this class names Lettuce types).
 *
 * ```
 * val store = LettuceStore.fromUrl("redis://redis.internal:6379/0")
 * val client = ClientCredentials(options, store = store)
 * ```
 *
 * Why Lettuce rather than Jedis: one Lettuce connection is thread-safe and
 * multiplexed, so every client and coroutine of a process shares it (Jedis
 * needs a pool); it has async and reactive APIs next to the blocking one;
 * it is Spring Data Redis's default client, so a Spring service has it
 * already; and it speaks Redis Cluster (`RedisClusterClient`; the store's
 * keys carry a hash tag, every command is single-slot). Another client is a
 * four-method [TokenStore].
 *
 * Values are binary (sealed entries): the connection must use a byte-array
 * value codec, `RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE)`
 * ([CODEC]). Commands: `GET`, `SET … NX PX`, `SET … PX` and `EVAL` of
 * [TokenStore.DELETE_IF_EQUALS_SCRIPT] with one key.
 *
 * A connection of your own ([LettuceStore] (`connection.sync()`), a cluster
 * connection's too) keeps its own timeouts: Lettuce's default command
 * timeout is 60 s, which would hold a token request back that long while
 * Redis hangs; set it to about 500 ms (`RedisURI.setTimeout`), as
 * [fromUrl] does.
 */
class LettuceStore private constructor(
    private var commands: RedisClusterCommands<String, ByteArray>?,
    private val client: RedisClient?,
    private val resources: ClientResources?,
) : TokenStore,
    AutoCloseable {
    /** A store on commands of your own (`connection.sync()` of a [CODEC] connection, standalone or cluster). */
    constructor(commands: RedisClusterCommands<String, ByteArray>) : this(commands, null, null)

    private var connection: StatefulRedisConnection<String, ByteArray>? = null

    @Volatile private var closed = false

    /**
     * The commands, connecting first when [fromUrl]'s client is not connected
     * yet (Redis was down at start: the next command tries again; the core
     * leaves a failed store alone for 5 s, so at most one attempt per 5 s).
     */
    private fun commands(): RedisClusterCommands<String, ByteArray> {
        commands?.let { return it }
        val client = client ?: error("no connection")
        synchronized(this) {
            commands?.let { return it }
            check(!closed) { "closed" }
            val connection = client.connect(CODEC)
            this.connection = connection
            return connection.sync().also { commands = it }
        }
    }

    override fun get(key: String): ByteArray? = commands().get(key)

    override fun setIfAbsent(
        key: String,
        value: ByteArray,
        ttlMs: Long,
    ): Boolean = commands().set(key, value, SetArgs.Builder.nx().px(ttlMs)) == "OK"

    override fun set(
        key: String,
        value: ByteArray,
        ttlMs: Long,
    ) {
        commands().set(key, value, SetArgs.Builder.px(ttlMs))
    }

    override fun deleteIfEquals(
        key: String,
        value: ByteArray,
    ): Boolean = commands().eval<Long>(TokenStore.DELETE_IF_EQUALS_SCRIPT, ScriptOutputType.INTEGER, arrayOf(key), value) == 1L

    /** Closes the connection and the client that [fromUrl] made (a store on your own commands: nothing). */
    override fun close() {
        synchronized(this) {
            closed = true
            connection?.close()
            client?.shutdown(Duration.ZERO, Duration.ofSeconds(2))
            resources?.shutdown(0, 2, TimeUnit.SECONDS)
        }
    }

    override fun toString(): String = "LettuceStore(${if (client != null) "own client" else "given commands"})"

    companion object {
        /** The default timeout of [fromUrl]'s commands and connection attempts, in milliseconds. */
        const val DEFAULT_TIMEOUT_MS: Long = 500

        /** String keys, byte-array values: the codec a store's connection needs. */
        @JvmField
        val CODEC: RedisCodec<String, ByteArray> = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE)

        /**
         * A store on a new Lettuce client for [url] (`redis://host:port/db`,
         * `rediss://…` for TLS), with store-friendly settings: commands and
         * connection attempts time out after [timeoutMs], and commands fail at
         * once while the connection is down (instead of queueing until it is
         * back) so the token request goes ahead alone. It connects on the
         * first command (Redis may be down at start) and reconnects by itself,
         * trying at least once a second (Lettuce's default backs off to 30 s,
         * which would keep a fleet from sharing that long after Redis is back).
         * [close] it with the application.
         */
        @JvmStatic
        @JvmOverloads
        fun fromUrl(
            url: String,
            timeoutMs: Long = DEFAULT_TIMEOUT_MS,
        ): LettuceStore {
            check(lettucePresent()) { "LettuceStore needs io.lettuce:lettuce-core on the classpath (an optional dependency of ccauth)" }
            val timeout = Duration.ofMillis(timeoutMs)
            val uri = RedisURI.create(url).also { it.timeout = timeout }
            // Reconnection attempts back off from 50 ms to 1 s at most.
            val resources =
                ClientResources
                    .builder()
                    .reconnectDelay(Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                    .build()
            val client = RedisClient.create(resources, uri)
            client.options =
                io.lettuce.core.ClientOptions
                    .builder()
                    .socketOptions(SocketOptions.builder().connectTimeout(timeout).build())
                    .disconnectedBehavior(io.lettuce.core.ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .build()
            return LettuceStore(null, client, resources)
        }

        private fun lettucePresent(): Boolean =
            try {
                Class.forName("io.lettuce.core.RedisClient", false, LettuceStore::class.java.classLoader)
                true
            } catch (e: ClassNotFoundException) {
                false
            } catch (e: LinkageError) {
                false
            }
    }
}
