import Crypto

/// The verifier's tokens by the SHA-256 of their value, in 256 buckets by the digest's first byte.
///
/// A reload changes a token or two: with buckets, the new snapshot copies only the buckets those tokens fall in
/// (a few hundred entries at 100k tokens) and shares the rest with the old snapshot, instead of copying one
/// dictionary of every token.
public struct TokenTable: Sendable, ExpressibleByDictionaryLiteral {
    private var buckets: [[SHA256.Digest: GrantedToken]]
    public private(set) var count = 0

    public init() { buckets = Array(repeating: [:], count: 256) }

    public init(dictionaryLiteral elements: (SHA256.Digest, GrantedToken)...) {
        self.init()
        for (digest, token) in elements { self[digest] = token }
    }

    /// Every digest and its token, in no particular order.
    public var entries: [(SHA256.Digest, GrantedToken)] { buckets.flatMap { $0.map { ($0.key, $0.value) } } }

    @inline(__always)
    static func bucket(_ digest: SHA256.Digest) -> Int { digest.withUnsafeBytes { Int($0[0]) } }

    public subscript(digest: SHA256.Digest) -> GrantedToken? {
        get { buckets[Self.bucket(digest)][digest] }
        set {
            let index = Self.bucket(digest)
            let old: GrantedToken?
            if let newValue {
                old = buckets[index].updateValue(newValue, forKey: digest)
            } else {
                old = buckets[index].removeValue(forKey: digest)
            }
            count += (newValue == nil ? 0 : 1) - (old == nil ? 0 : 1)
        }
    }
}

