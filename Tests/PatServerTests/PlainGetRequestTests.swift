import Testing
@testable import PatServer

/// The byte-level reader of plain keep-alive GETs: what it accepts it must read exactly; everything else it must
/// refuse (so that NIO's parser gets it), and a prefix of an acceptable head must make it wait.
@Suite struct PlainGetRequestTests {
    static func parse(_ text: String) -> PlainGetRequest.Parse {
        Array(text.utf8).withUnsafeBytes(PlainGetRequest.parse)
    }

    static let platform = "/1.0/environment/control/rest/stopenv?envName=a&session=pat_x"

    @Test(arguments: [
        ("GET \(platform) HTTP/1.1\r\n\r\n", PlainGetRequest(target: platform)),
        ("GET / HTTP/1.1\r\nHost: pat\r\n\r\n", PlainGetRequest(target: "/")),
        ("GET /auth HTTP/1.1\r\nHost: pat\r\nX-Original-URI: \(platform)\r\nAuthorization: Bearer pat_y\r\n\r\n",
         PlainGetRequest(target: "/auth", authorization: "Bearer pat_y", originalURI: platform)),
        ("GET /auth HTTP/1.1\r\nx-original-uri:/a?b=c \t\r\nauthorization: \t Bearer  z \r\n\r\n",
         PlainGetRequest(target: "/auth", authorization: "Bearer  z", originalURI: "/a?b=c")),
        ("GET /a HTTP/1.1\r\nConnection: keep-alive\r\nContent-Length: 0\r\nUser-Agent: wrk/4 (x; y)\r\n\r\n",
         PlainGetRequest(target: "/a")),
        ("GET /a HTTP/1.1\r\nCONNECTION: Keep-Alive\r\nX-Empty:\r\nAccept: */*\r\n\r\n", PlainGetRequest(target: "/a")),
        ("GET /a%20b?c=%2F&d=~!$'()*+,;:@ HTTP/1.1\r\n\r\n", PlainGetRequest(target: "/a%20b?c=%2F&d=~!$'()*+,;:@")),
    ] as [(String, PlainGetRequest)])
    func aPlainGetIsReadExactly(text: String, request: PlainGetRequest) {
        #expect(Self.parse(text) == .request(request, length: text.utf8.count))
        // Pipelined: the next request's bytes are not part of this one.
        #expect(Self.parse(text + "GET /next HTTP/1.1\r\n\r\n") == .request(request, length: text.utf8.count))
        // Every prefix waits for more.
        let bytes = Array(text.utf8)
        for end in 0..<bytes.count {
            let result = bytes[..<end].withUnsafeBytes(PlainGetRequest.parse)
            #expect(result == .incomplete, "prefix of \(end) bytes")
        }
    }

    @Test(arguments: [
        "POST /1.0/a/b/rest/c HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
        "HEAD /auth HTTP/1.1\r\n\r\n",
        "get /auth HTTP/1.1\r\n\r\n",
        "GET  /auth HTTP/1.1\r\n\r\n",
        "GET http://pat/auth HTTP/1.1\r\n\r\n",
        "GET * HTTP/1.1\r\n\r\n",
        "GET /auth HTTP/1.0\r\n\r\n",
        "GET /auth HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        "GET /auth HTTP/2.0\r\n\r\n",
        "GET /auth HTTP/1.1 \r\n\r\n",
        "GET /auth HTTP/1.1\n\n",
        "GET /auth HTTP/1.1\r\nHost: pat\n\r\n",
        "GET /auth HTTP/1.1\r\nHost: pat\r\n\n",
        "GET /a\u{7F}b HTTP/1.1\r\n\r\n",
        "GET /a\tb HTTP/1.1\r\n\r\n",
        "GET /é HTTP/1.1\r\n\r\n",
        "GET /auth HTTP/1.1\r\nHost: pat\r\n folded\r\n\r\n",
        "GET /auth HTTP/1.1\r\nHost : pat\r\n\r\n",
        "GET /auth HTTP/1.1\r\n: pat\r\n\r\n",
        "GET /auth HTTP/1.1\r\nNoColon\r\n\r\n",
        "GET /auth HTTP/1.1\r\nX-Name: caf\u{E9}\r\n\r\n",
        "GET /auth HTTP/1.1\r\nX-Name: a\u{0}b\r\n\r\n",
        "GET /auth HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
        "GET /auth HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
        "GET /auth HTTP/1.1\r\nContent-Length: 00\r\n\r\n",
        "GET /auth HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n",
        "GET /auth HTTP/1.1\r\nConnection: close\r\n\r\n",
        "GET /auth HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\n\r\n",
        "GET /auth HTTP/1.1\r\nUpgrade: websocket\r\n\r\n",
        "GET /auth HTTP/1.1\r\nExpect: 100-continue\r\n\r\n",
        "GET /auth HTTP/1.1\r\nAuthorization: Bearer a\r\nAuthorization: Bearer b\r\n\r\n",
        "GET /auth HTTP/1.1\r\nX-Original-URI: /a\r\nx-original-uri: /b\r\n\r\n",
    ])
    func anythingElseIsLeftToNIOsParser(text: String) {
        #expect(Self.parse(text) == .unsupported)
    }

    @Test func aHeadThatNeverEndsIsLeftToNIOsParser() {
        let start = "GET /auth HTTP/1.1\r\nX-Long: "
        #expect(Self.parse(start + String(repeating: "a", count: 100)) == .incomplete)
        #expect(Self.parse(start + String(repeating: "a", count: PlainGetRequest.maxHeadLength)) == .unsupported)
    }
}
