import Foundation
import PatStore

#if canImport(Glibc)
import Glibc
#endif

/// Where a password comes from: a file, standard input, or the terminal (without echo). The password is never
/// printed, logged or put in an error message.
enum PasswordInput {
    case file(String)
    case standardInput
    case terminal

    func read(prompt: String) throws -> String {
        let password: String
        switch self {
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw StoreError.password("cannot read password file \(path): \(FileManager.default.fileExists(atPath: path) ? "not readable" : "no such file")")
            }
            password = Self.firstLine(data)
        case .standardInput:
            password = Self.firstLine(FileHandle.standardInput.readDataToEndOfFile())
        case .terminal:
            password = try Self.readFromTerminal(prompt: prompt)
        }
        guard !password.isEmpty else { throw StoreError.password("the password is empty") }
        return password
    }

    /// A new password: from a file or stdin as given; on a terminal typed twice.
    func readNew(prompt: String) throws -> String {
        guard case .terminal = self else { return try read(prompt: prompt) }
        let first = try read(prompt: prompt)
        let second = try read(prompt: "Repeat it: ")
        guard first == second else { throw StoreError.password("the two passwords differ") }
        return first
    }

    static func firstLine(_ data: Data) -> String {
        let text = String(decoding: data.prefix(64 * 1024), as: UTF8.self)
        return String(text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
            .trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
    }

    static func readFromTerminal(prompt: String) throws -> String {
        let tty = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard tty >= 0 else {
            throw StoreError.password("the signing key needs its password and there is no terminal to ask: give --password-file or --password-stdin")
        }
        defer { close(tty) }
        var saved = termios()
        let hasTermios = tcgetattr(tty, &saved) == 0
        if hasTermios {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(tty, TCSAFLUSH, &quiet)
        }
        defer {
            if hasTermios { tcsetattr(tty, TCSAFLUSH, &saved) }
            _ = Glibc.write(tty, "\n", 1)
        }
        _ = prompt.withCString { Glibc.write(tty, $0, strlen($0)) }
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while Glibc.read(tty, &byte, 1) == 1, byte != 10, byte != 13, bytes.count < 4096 { bytes.append(byte) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// pat's own folder: $PAT_HOME, else ~/.config/pat.
enum PatHome {
    static var path: String {
        if let home = ProcessInfo.processInfo.environment["PAT_HOME"], !home.isEmpty { return home }
        return (NSHomeDirectory() as NSString).appendingPathComponent(".config/pat")
    }

    static var defaultKeyPath: String { (path as NSString).appendingPathComponent("signing_key") }
}
