/// The platform's URL form, `/1.0/<group>/<service>/rest/<method>`, optionally followed by `?query`.
public enum PlatformURL {
    public typealias Parts = (group: Substring, service: Substring, method: Substring)

    /// The three named segments (each non-empty), or nil when `target` has another shape. No allocation: this
    /// runs on every request.
    public static func parts(_ target: String) -> Parts? {
        let utf8 = target.utf8
        let end = utf8.firstIndex(of: UInt8(ascii: "?")) ?? utf8.endIndex
        guard utf8[..<end].starts(with: "/1.0/".utf8) else { return nil }
        var start = utf8.index(utf8.startIndex, offsetBy: 5)
        /// The next non-empty segment and where the one after it starts.
        func segment() -> Substring? {
            guard start < end else { return nil }
            let slash = utf8[start..<end].firstIndex(of: UInt8(ascii: "/")) ?? end
            guard slash > start else { return nil }
            defer { start = slash == end ? end : utf8.index(after: slash) }
            return target[start..<slash]
        }
        guard let group = segment(), let service = segment(), segment() == "rest",
              let method = segment(), method.endIndex == end else { return nil }
        return (group, service, method)
    }
}
