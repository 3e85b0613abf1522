package dev.ccauth

import com.sun.jna.NativeLibrary
import com.sun.jna.Platform
import dev.ccauth.ffi.ClientAuth
import dev.ccauth.ffi.ClientConfig
import dev.ccauth.ffi.ClientOptions
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import java.net.HttpURLConnection
import java.net.URL
import kotlin.system.exitProcess

/**
 * The jar on another platform, without Maven or JUnit's launcher (slow under
 * qemu): scripts/run-kotlin-arm64.sh runs it in a Debian arm64 root. Checks
 * that JNA took the native library from the jar's folder for this platform,
 * runs the shared vectors (request, response, lifecycle, signing: the same
 * JUnit classes, called directly), then a real token fetch from the local
 * server through the default transport, the protected API, and a wrong secret.
 */
fun main(args: Array<String>) {
    val expected = args.firstOrNull() ?: error("usage: PlatformSmoke EXPECTED_JNA_PREFIX")
    val started = System.nanoTime()
    check(Platform.RESOURCE_PREFIX == expected) { "JNA's prefix is ${Platform.RESOURCE_PREFIX}, not $expected" }
    val file = NativeLibrary.getInstance("ccauth_ffi").file
    println("[smoke] ${System.getProperty("os.arch")}: native core loaded from ${file.name} (the jar's $expected/)")

    var vectors = 0
    for (suite in listOf(VectorsTest(), LifecycleVectorsTest(), SigningVectorsTest())) {
        for (method in suite.javaClass.declaredMethods) {
            if (method.isAnnotationPresent(TestFactory::class.java)) {
                @Suppress("UNCHECKED_CAST")
                (method.invoke(suite) as List<DynamicTest>).forEach {
                    it.executable.execute()
                    vectors++
                }
            } else if (method.isAnnotationPresent(Test::class.java)) {
                method.invoke(suite)
                vectors++
            }
        }
    }
    println("[smoke] $vectors vector tests passed")

    val endpoint = System.getenv("CCAUTH_TOKEN_ENDPOINT")?.takeIf { it.isNotEmpty() } ?: error("run through scripts/with-auth-server.sh")
    val api = System.getenv("CCAUTH_API_URL")!!
    ClientCredentials(ClientConfig(ClientOptions(endpoint, "ccauth-basic", ClientAuth.clientSecret("s3cr3t+/:%&= \"~*"), scopes = listOf("api.read")))).use { client ->
        val connection = URL(api).openConnection() as HttpURLConnection
        connection.setRequestProperty("Authorization", client.authorizationHeaderBlocking())
        check(connection.responseCode == 200) { "the API answered ${connection.responseCode}" }
        println("[smoke] token fetched, the API answered 200")
    }
    ClientCredentials(ClientConfig(ClientOptions(endpoint, "ccauth-basic", ClientAuth.clientSecret("not-the-secret")))).use { client ->
        val e = runCatching { client.tokenBlocking() }.exceptionOrNull()
        check(e is CcauthError.OAuth && e.error == "invalid_client") { "wrong secret gave $e" }
        println("[smoke] wrong secret: ${e.code} (${e.error})")
    }
    println("[smoke] ok in %.1f s".format((System.nanoTime() - started) / 1e9))
    exitProcess(0) // JNA's cleaner and the IO dispatcher's threads would keep the JVM up a while
}
