import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A client for the ssh-agent protocol (draft-miller-ssh-agent) over $SSH_AUTH_SOCK: list keys, sign.
/// One connection per request, so a value can be shared freely.
public struct SSHAgentClient: Sendable {
    static let failure: UInt8 = 5
    static let requestIdentities: UInt8 = 11
    static let identitiesAnswer: UInt8 = 12
    static let signRequest: UInt8 = 13
    static let signResponse: UInt8 = 14

    public let socketPath: String

    public init(socketPath: String) { self.socketPath = socketPath }

    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> SSHAgentClient? {
        guard let path = environment["SSH_AUTH_SOCK"], !path.isEmpty else { return nil }
        return SSHAgentClient(socketPath: path)
    }

    /// The ed25519 keys the agent holds (others are skipped: pat cannot use them).
    public func identities() throws -> [SSHPublicKey] {
        var reader = SSHReader(try request([Self.requestIdentities]))
        guard reader.readBytes(1) == [Self.identitiesAnswer], let count = reader.readUInt32() else {
            throw SSHAgentError.malformedReply(socketPath)
        }
        var keys: [SSHPublicKey] = []
        for _ in 0..<count {
            guard let blob = reader.readString(), reader.readString() != nil else { throw SSHAgentError.malformedReply(socketPath) }
            if let key = try? SSHPublicKey(blob: blob) { keys.append(key) }
        }
        return keys
    }

    /// A raw ed25519 signature of `data` by `key`, made inside the agent.
    public func sign(_ data: [UInt8], with key: SSHPublicKey) throws -> [UInt8] {
        var writer = SSHWriter()
        writer.write([Self.signRequest])
        writer.writeString(key.blob)
        writer.writeString(data)
        writer.writeUInt32(0)
        let reply = try request(writer.bytes)
        if reply.first == Self.failure { throw SSHAgentError.refused(key.fingerprint) }
        var reader = SSHReader(reply)
        guard reader.readBytes(1) == [Self.signResponse], let blob = reader.readString() else {
            throw SSHAgentError.malformedReply(socketPath)
        }
        var signature = SSHReader(blob)
        guard signature.readText() == SSHPublicKey.algorithm, let raw = signature.readString(), raw.count == 64 else {
            throw SSHAgentError.malformedReply(socketPath)
        }
        return raw
    }

    private func request(_ message: [UInt8]) throws -> [UInt8] {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw SSHAgentError.unreachable(socketPath, String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(socketPath.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw SSHAgentError.unreachable(socketPath, "the socket path is too long")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: pathBytes + [0]) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { throw SSHAgentError.unreachable(socketPath, String(cString: strerror(errno))) }
        var framed = SSHWriter()
        framed.writeString(message)
        try writeAll(descriptor, framed.bytes)
        let header = try readExactly(descriptor, 4)
        let length = Int(header.reduce(0) { $0 << 8 | UInt32($1) })
        guard length > 0, length <= 256 * 1024 else { throw SSHAgentError.malformedReply(socketPath) }
        return try readExactly(descriptor, length)
    }

    private func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            guard written > 0 else { throw SSHAgentError.unreachable(socketPath, String(cString: strerror(errno))) }
            offset += written
        }
    }

    private func readExactly(_ descriptor: Int32, _ count: Int) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let received = buffer[offset...].withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            guard received > 0 else { throw SSHAgentError.malformedReply(socketPath) }
            offset += received
        }
        return buffer
    }
}

/// Signs through the agent: the private key never leaves it (hardware tokens, existing agent set-ups).
public struct AgentSigner: SSHSigner {
    public let agent: SSHAgentClient
    public let publicKey: SSHPublicKey

    public init(agent: SSHAgentClient, publicKey: SSHPublicKey) {
        self.agent = agent
        self.publicKey = publicKey
    }

    public func signature(for data: [UInt8]) throws -> [UInt8] { try agent.sign(data, with: publicKey) }
}

public enum SSHAgentError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreachable(String, String)
    case malformedReply(String)
    case refused(String)

    public var description: String {
        switch self {
        case .unreachable(let path, let reason): "cannot reach ssh-agent at \(path): \(reason)"
        case .malformedReply(let path): "ssh-agent at \(path) sent a reply pat cannot read"
        case .refused(let fingerprint): "ssh-agent refused to sign with \(fingerprint)"
        }
    }
}
