import Foundation
import PatCore

/// Arguments arrive as bytes; Swift's `CommandLine.arguments` decodes them leniently, replacing what is not UTF-8
/// with U+FFFD, so a description or a path would silently change. pat refuses such an argument instead.
enum ArgumentEncoding {
    /// The process's arguments exactly as the kernel passed them.
    static func rawArguments() -> [[UInt8]] {
        (0..<Int(CommandLine.argc)).map { index in
            guard let argument = CommandLine.unsafeArgv[index] else { return [] }
            return Array(UnsafeRawBufferPointer(start: argument, count: strlen(argument)))
        }
    }

    /// Why the first argument after the program name that is not UTF-8 is refused, or nil when all are.
    static func problem(in arguments: [[UInt8]]) -> String? {
        for index in arguments.indices.dropFirst() where String(validating: arguments[index], as: UTF8.self) == nil {
            var shown = shown(arguments[index])
            var which = "argument \(index)"
            if arguments[index].starts(with: Array("--".utf8)), let equals = arguments[index].firstIndex(of: UInt8(ascii: "=")),
               let option = String(validating: arguments[index][..<equals], as: UTF8.self) {
                which = "the value of \(option) (argument \(index))"
                shown = Self.shown(Array(arguments[index][(equals + 1)...]))
            } else if arguments[index].first != UInt8(ascii: "-"), index > 1,
                      let previous = String(validating: arguments[index - 1], as: UTF8.self), previous.hasPrefix("--"), !previous.contains("=") {
                which = "argument \(index) (after \(previous))"
            }
            return "\(which) is not valid UTF-8: \(shown) (\\x marks the bytes that are not); pat reads its arguments as UTF-8 text, so check the encoding of the terminal or script that passed it"
        }
        return nil
    }

    /// The argument with its valid parts as text (terminal controls escaped) and every other byte as `\xFF`.
    static func shown(_ bytes: [UInt8]) -> String {
        var out = ""
        var index = 0
        while index < bytes.count {
            var length = 0
            for candidate in 1...4 where index + candidate <= bytes.count {
                if let text = String(validating: bytes[index..<index + candidate], as: UTF8.self), text.unicodeScalars.count == 1 {
                    length = candidate
                    out += DisplayText.escaped(text)
                    break
                }
            }
            if length == 0 {
                out += "\\x" + String(bytes[index], radix: 16, uppercase: true).paddedHex
                length = 1
            }
            index += length
        }
        return out
    }
}

private extension String {
    var paddedHex: String { count == 1 ? "0" + self : self }
}
