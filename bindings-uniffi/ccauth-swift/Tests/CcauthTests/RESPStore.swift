import Ccauth
import Foundation

#if canImport(Glibc)
    import Glibc
    private let streamSocket = Int32(SOCK_STREAM.rawValue)
    private let sendFlags = Int32(MSG_NOSIGNAL)
#elseif canImport(Darwin)
    import Darwin
    private let streamSocket = SOCK_STREAM
    private let sendFlags: Int32 = 0  // SO_NOSIGPIPE is set on the socket instead
#endif

/// A test-only `TokenStore`: RESP over one TCP connection to a Redis on
/// 127.0.0.1 (scripts/with-redis.sh), blocking socket calls on a serial
/// queue of its own (never on a Swift concurrency thread). Each instance is
/// one connection, as each process of a fleet has its own. No Swift Redis
/// client can be resolved where this package is built; README.md shows a
/// RediStack adapter for real use.
final class RESPStore: TokenStore, @unchecked Sendable {
    struct RedisError: Error, CustomStringConvertible {
        let description: String
    }

    /// One reply (the kinds the four commands and the tests' own get).
    enum Value: Equatable {
        case simple(String)
        case integer(Int)
        case bulk(Data?)
        case array([Value])
    }

    private let port: UInt16
    private let queue = DispatchQueue(label: "RESPStore")
    private var fd: Int32 = -1  // -1: not connected (connects on the next command)
    private var buffer = Data()

    init(port: UInt16) { self.port = port }

    deinit { if fd >= 0 { close(fd) } }

    func get(_ key: String) async throws -> Data? {
        switch try await command(["GET", key]) {
        case .bulk(let value): return value
        case let other: throw RedisError(description: "GET answered \(other)")
        }
    }

    func setIfAbsent(_ key: String, value: Data, ttlMs: UInt64) async throws -> Bool {
        switch try await command(["SET", key, value, "NX", "PX", "\(ttlMs)"]) {
        case .simple("OK"): return true
        case .bulk(nil): return false
        case let other: throw RedisError(description: "SET NX answered \(other)")
        }
    }

    func set(_ key: String, value: Data, ttlMs: UInt64) async throws {
        _ = try await command(["SET", key, value, "PX", "\(ttlMs)"])
    }

    func deleteIfEquals(_ key: String, value: Data) async throws -> Bool {
        switch try await command(["EVAL", Self.deleteIfEqualsScript, "1", key, value]) {
        case .integer(let n): return n == 1
        case let other: throw RedisError(description: "EVAL answered \(other)")
        }
    }

    /// Any command (strings or bytes), for the tests' own reads and writes.
    func command(_ args: [Any]) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                do {
                    continuation.resume(returning: try self.exchange(args))
                } catch {
                    if self.fd >= 0 { close(self.fd) }
                    self.fd = -1
                    self.buffer = Data()
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// A free loopback port, nothing listening on it once this returns.
    static func unusedPort() throws -> UInt16 {
        let s = socket(AF_INET, streamSocket, 0)
        guard s >= 0 else { throw RedisError(description: "socket failed") }
        defer { close(s) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, length) == 0 && getsockname(s, $0, &length) == 0 }
        }
        guard bound else { throw RedisError(description: "bind failed (errno \(errno))") }
        return UInt16(bigEndian: address.sin_port)
    }

    // MARK: on the queue

    private func exchange(_ args: [Any]) throws -> Value {
        if fd < 0 { try dial() }
        var out = Data("*\(args.count)\r\n".utf8)
        for arg in args {
            let bytes = (arg as? Data) ?? Data("\(arg)".utf8)
            out += Data("$\(bytes.count)\r\n".utf8) + bytes + Data("\r\n".utf8)
        }
        try out.withUnsafeBytes { raw in
            var sent = 0
            while sent < raw.count {
                let n = send(fd, raw.baseAddress! + sent, raw.count - sent, sendFlags)
                guard n > 0 else { throw RedisError(description: "send failed (errno \(errno))") }
                sent += n
            }
        }
        return try reply()
    }

    private func dial() throws {
        let s = socket(AF_INET, streamSocket, 0)
        guard s >= 0 else { throw RedisError(description: "socket failed") }
        // Every read and write bounded: a stuck Redis is an error, not a hang.
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        #if canImport(Darwin)
            var one: Int32 = 1
            setsockopt(s, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        #endif
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(s)
            throw RedisError(description: "connect to 127.0.0.1:\(port) failed (errno \(errno))")
        }
        fd = s
    }

    private func line() throws -> String {
        while true {
            if let end = buffer.range(of: Data("\r\n".utf8)) {
                let text = String(decoding: buffer[buffer.startIndex..<end.lowerBound], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex..<end.upperBound)
                return text
            }
            try fill()
        }
    }

    private func bytes(_ count: Int) throws -> Data {
        while buffer.count < count + 2 { try fill() }
        let value = Data(buffer.prefix(count))
        buffer.removeFirst(count + 2)
        return value
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &chunk, chunk.count, 0)
        guard n > 0 else { throw RedisError(description: "connection closed or timed out (errno \(errno))") }
        buffer.append(contentsOf: chunk[0..<n])
    }

    private func reply() throws -> Value {
        let head = try line()
        let rest = String(head.dropFirst())
        switch head.first {
        case "+": return .simple(rest)
        case "-": throw RedisError(description: "Redis: \(rest)")
        case ":": return .integer(Int(rest) ?? 0)
        case "$":
            let count = Int(rest) ?? -1
            return .bulk(count < 0 ? nil : try bytes(count))
        case "*":
            let count = Int(rest) ?? -1
            return .array(try (0..<max(count, 0)).map { _ in try reply() })
        default: throw RedisError(description: "not RESP")
        }
    }
}
