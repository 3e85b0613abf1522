package dev.ccauth

import dev.ccauth.ffi.StoreCommand
import dev.ccauth.ffi.StoreReply
import dev.ccauth.ffi.deleteIfEqualsScript

/**
 * A fleet store (Redis, Valkey, …) that processes share one token through:
 * four commands, one key each. Give it to [ClientCredentials] (`store = …`)
 * and every process with the same client makes one token request per
 * refresh between them (docs/FLEET.md). [LettuceStore] is the Lettuce one;
 * implement this over any other client (Jedis, Redisson, a Memcached with CAS).
 *
 * The core decides everything (what to read, when to take the lease, how
 * long to back off, what to publish, when to release): a store only runs
 * the command and answers. Values are sealed entries (AES-256-GCM, sealed by
 * the core) or lease owner ids, never a token or a secret in clear.
 *
 * ccauth calls these on `Dispatchers.IO` (blocking is fine) and interrupts
 * them when the caller is cancelled; only when the local cache needs a
 * token, never on a cached call. **Throwing is fine**: any exception (a
 * timeout, a refused connection, an unexpected answer) counts as the store
 * failing, and the token request goes ahead alone (event
 * `store_unavailable`); a store is never a caller's error. Calls must not
 * block for long: bound them (half a second is plenty; [LettuceStore]'s
 * default), as a slow store holds the token request back.
 */
interface TokenStore {
    /** `GET key`: the value, or `null` when there is none. */
    fun get(key: String): ByteArray?

    /** `SET key value NX PX ttlMs`: whether it was set. */
    fun setIfAbsent(
        key: String,
        value: ByteArray,
        ttlMs: Long,
    ): Boolean

    /** `SET key value PX ttlMs`. */
    fun set(
        key: String,
        value: ByteArray,
        ttlMs: Long,
    )

    /**
     * Deletes [key] only while it holds [value] (Redis: `EVAL` of
     * [DELETE_IF_EQUALS_SCRIPT] with 1 key; Valkey 9: `DELIFEQ`): whether it was deleted.
     */
    fun deleteIfEquals(
        key: String,
        value: ByteArray,
    ): Boolean

    companion object {
        /** The compare-and-delete Lua script (`EVAL script 1 key value`): deletes `key` only while it holds `value`. */
        @JvmField
        val DELETE_IF_EQUALS_SCRIPT: String = deleteIfEqualsScript()

        /** Runs one of the core's commands on [store]: its reply, [StoreReply.Failed] on any exception. */
        internal fun run(
            store: TokenStore,
            command: StoreCommand,
        ): StoreReply =
            try {
                when (command) {
                    is StoreCommand.Get -> {
                        StoreReply.Value(store.get(command.key))
                    }

                    is StoreCommand.SetIfAbsent -> {
                        StoreReply.Done(store.setIfAbsent(command.key, command.value, command.ttlMs.toMillis()))
                    }

                    is StoreCommand.Set -> {
                        store.set(command.key, command.value, command.ttlMs.toMillis())
                        StoreReply.Done(true)
                    }

                    is StoreCommand.DeleteIfEquals -> {
                        StoreReply.Done(store.deleteIfEquals(command.key, command.value))
                    }
                }
            } catch (e: InterruptedException) {
                throw e // cancelled: runInterruptible turns it into the caller's CancellationException
            } catch (e: OutOfMemoryError) {
                throw e
            } catch (e: Throwable) {
                // The store is never a reason to fail a caller (a missing
                // class, a Lettuce timeout, a cluster's MOVED: all alike).
                StoreReply.Failed
            }

        private fun ULong.toMillis(): Long = coerceAtMost(Long.MAX_VALUE.toULong()).toLong()
    }
}
