import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A TCP connection to 127.0.0.1 for what curl hides: a head sent in pieces or never finished, a connection left
/// idle, the moment the server closes it. Closed when released.
public final class RawConnection {
    public let descriptor: Int32
    private var received: [UInt8] = []
    public private(set) var isClosedByServer = false

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public init(port: Int) throws {
        #if canImport(Glibc)
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw Failure(description: "socket() failed: \(String(cString: strerror(errno)))") }
        #if canImport(Darwin)
        var one: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        #endif
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            closeDescriptor(descriptor)
            throw Failure(description: "connect() to port \(port) failed: \(reason)")
        }
    }

    deinit { closeDescriptor(descriptor) }

    public func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            #if canImport(Glibc)
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            #else
            let sent = bytes[offset...].withUnsafeBytes { Darwin.send(descriptor, $0.baseAddress, $0.count, 0) }
            #endif
            guard sent > 0 else { throw Failure(description: "send() failed: \(String(cString: strerror(errno)))") }
            offset += sent
        }
    }

    /// Everything received so far, as text.
    public var text: String { String(decoding: received, as: UTF8.self) }

    /// Reads until `done` holds for what has come, the server closes the connection, or `seconds` pass. Returns
    /// everything received on the connection so far.
    @discardableResult
    public func receive(seconds: Double, until done: (String) -> Bool = { _ in false }) -> String {
        let deadline = Date().addingTimeInterval(seconds)
        while !isClosedByServer, !done(text) {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { break }
            guard readable(within: min(remaining, 0.2)) else { continue }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count <= 0 {
                // End of stream, or a reset: either way the server is done with the connection.
                isClosedByServer = true
            } else {
                received += buffer[0..<count]
            }
        }
        return text
    }

    /// Reads until the server closes the connection or `seconds` pass; true if it closed.
    public func waitForClose(seconds: Double) -> Bool {
        receive(seconds: seconds)
        return isClosedByServer
    }

    /// Whether anything (bytes or the end) has arrived that was not read yet, looking for up to `seconds`.
    public func readable(within seconds: Double) -> Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, Int32(seconds * 1000)) > 0
    }
}

private func closeDescriptor(_ descriptor: Int32) {
    #if canImport(Glibc)
    _ = Glibc.close(descriptor)
    #else
    _ = Darwin.close(descriptor)
    #endif
}
