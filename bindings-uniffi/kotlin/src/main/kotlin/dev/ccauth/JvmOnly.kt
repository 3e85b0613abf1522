package dev.ccauth

/**
 * Marks a class that uses JVM-only APIs (java.net.http): the build's
 * animal-sniffer check (Android API 26) skips it, and nothing else in the
 * library refers to it, so Android never loads it.
 */
@Retention(AnnotationRetention.BINARY)
@Target(AnnotationTarget.CLASS)
annotation class JvmOnly
