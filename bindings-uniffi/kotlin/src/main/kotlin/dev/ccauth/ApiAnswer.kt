package dev.ccauth

/**
 * What ccauth reads of an API's response: its status and headers (any case).
 * The core asks for `WWW-Authenticate` (several joined with `", "`) and
 * `DPoP-Nonce`, and says which statuses and headers make an answer worth
 * reading at all: any other answer is settled without a native call.
 */
class ApiAnswer private constructor(
    val status: Int,
    private val header: (name: String) -> List<String>,
) {
    /** An answer with these values (a missing one: the header was absent). */
    @JvmOverloads
    constructor(status: Int, wwwAuthenticate: String? = null, dpopNonce: String? = null) :
        this(status, { name ->
            when {
                name.equals(WWW_AUTHENTICATE, ignoreCase = true) -> listOfNotNull(wwwAuthenticate)
                name.equals(DPOP_NONCE, ignoreCase = true) -> listOfNotNull(dpopNonce)
                else -> emptyList()
            }
        })

    /** Every `WWW-Authenticate` challenge, joined with `", "`. */
    val wwwAuthenticate: String? get() = header(WWW_AUTHENTICATE).joinToString(", ").ifEmpty { null }

    /** The API's `DPoP-Nonce`. */
    val dpopNonce: String? get() = header(DPOP_NONCE).firstOrNull()

    /** Whether the answer carries the header [name]. */
    internal fun has(name: String): Boolean = header(name).isNotEmpty()

    override fun toString(): String = "ApiAnswer($status)"

    companion object {
        // The names of api_response's two header arguments (what the core reads, not when).
        private const val WWW_AUTHENTICATE = "WWW-Authenticate"
        private const val DPOP_NONCE = "DPoP-Nonce"

        /**
         * From a status and a reader of a header's values (any case), e.g.
         * `ApiAnswer.of(response.statusCode(), response.headers()::allValues)` (java.net.http)
         * or `ApiAnswer.of(response.code, response::headers)` (OkHttp). Headers are read only
         * when the core wants the answer.
         */
        @JvmStatic
        fun of(
            status: Int,
            header: (name: String) -> List<String>,
        ): ApiAnswer = ApiAnswer(status, header)
    }
}
