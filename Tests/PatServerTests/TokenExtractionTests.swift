import Testing
@testable import PatServer

@Suite struct TokenExtractionTests {
    @Test(arguments: [
        ("/1.0/a/b/rest/c?session=abc", "abc"),
        ("/1.0/a/b/rest/c?envName=x&session=abc&z=1", "abc"),
        ("/1.0/a/b/rest/c?sessionx=1&session=abc", "abc"),
        ("/1.0/a/b/rest/c?session=a%5Fb", "a_b"),
        ("/1.0/a/b/rest/c?session=a+b", "a b"),
        ("/1.0/a/b/rest/c?%73ession=abc", "abc"),
        ("/1.0/a/b/rest/c?session=", ""),
        ("/1.0/a/b/rest/c?session", nil),
        ("/1.0/a/b/rest/c?envName=session", nil),
        ("/1.0/a/b/rest/c", nil),
        ("/1.0/a/b/rest/c?", nil),
        ("/1.0/a/b/rest/c?session=%zz", nil),
    ] as [(String, String?)])
    func theSessionParameterIsReadFromTheQuery(target: String, value: String?) {
        #expect(TokenExtraction.queryValue("session", in: target) == value)
    }

    @Test func formBodiesAreReadTheSameWay() {
        #expect(TokenExtraction.formValue("session", in: "envName=x&session=abc"[...]) == "abc")
        #expect(TokenExtraction.formValue("session", in: "envName=x"[...]) == nil)
    }
}
