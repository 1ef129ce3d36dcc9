import AuthService
import Foundation
import HTTPTypes
import ParleyAPI
import Testing

@testable import Gateway

// What the read path was made faster with: hand-written base64url and JSON writing, tokens verified once per
// request and remembered, and the per-user limit keyed on the caller the authenticator found.

@Suite struct Base64URLTests {
    /// Foundation's base64 turned into the URL alphabet without padding: the reference the codec must agree with.
    static func reference(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    @Test func agreesWithFoundationAndRoundTripsEveryLength() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<70 {
            for _ in 0..<20 {
                let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
                let text = Base64URL.encode(bytes)
                #expect(text == Self.reference(bytes))
                #expect(Base64URL.decodeBytes(text.utf8) == bytes)
                #expect(Base64URL.decode(text) == Data(bytes))
            }
        }
    }

    @Test func refusesWhatNoEncoderWrites() {
        for bad in ["a", "abcde", "ab=", "ab==", "a+b/", "ab c", "ab\n", "é", "ab\u{0}d", "AB", "ABC"] {
            #expect(Base64URL.decodeBytes(bad.utf8) == nil, "\(bad.debugDescription)")
        }
        // The same bytes have one text: leftover bits must be zero ("AA" is [0]; "AB" would be [0] too).
        #expect(Base64URL.decodeBytes("AA".utf8) == [0])
        #expect(Base64URL.decodeBytes("AAA".utf8) == [0, 0])
        #expect(Base64URL.decodeBytes("".utf8) == [])
    }
}

@Suite struct JSONWriterTests {
    @Test func stringsSurviveEscapingWhateverTheyHold() throws {
        let samples = [
            "", "plain", "quote \" backslash \\ slash /", "tab\tnewline\nreturn\r", "\u{0}\u{1}\u{1F}\u{7F}", "é 中文 👍🏽 \u{200F}",
            String(repeating: "a\"", count: 300), "\\u0041",
        ]
        for sample in samples {
            var writer = JSONWriter()
            writer.string(sample)
            #expect(try JSONParser.parse(writer.bytes) == .string(sample), "\(sample.debugDescription)")
            #expect(!writer.bytes.contains { $0 < 0x20 }, "control characters are escaped")
        }
    }

    @Test func idsAndDatesAreWrittenAsTheirTexts() throws {
        let id = ObjectId()
        let date = Date(millisecondsSince1970: 1_764_800_000_123)
        var writer = JSONWriter()
        writer.beginArray()
        id.encode(to: &writer)
        date.encode(to: &writer)
        writer.string("after")
        writer.endArray()
        #expect(writer.string == #"["\#(id)","2025-12-03T22:13:20.123Z","after"]"#)
        #expect(id.description.count == 24 && ObjectId(id.description) == id)
        #expect(ObjectId(high: 0x0123_4567_89ab_cdef, low: 0xfedc_ba98).description == "0123456789abcdeffedcba98")
    }
}

@Suite struct VerifiedTokenTests {
    static let tokens = TokenService(secrets: TestGateway.secrets)
    static let context = APIContext(requestID: "test", logger: .init(label: "test"))

    @Test func aTokenIsRememberedOnlyAsTheExactTextThatWasVerified() async throws {
        let security = TokenSecurity(tokens: Self.tokens, internalSecret: "i")
        let id = ObjectId()
        let token = Self.tokens.accessToken(userId: id, email: "a@example.com")
        #expect(try await security.authenticate(bearer: token, context: Self.context).userId == id)
        #expect(security.verified.caller(for: token, at: Date())?.userId == id)
        // Once the genuine token is remembered, a tampered copy still goes through the signature check, and fails.
        var tampered = Array(token.utf8)
        let index = tampered.lastIndex(of: UInt8(ascii: ".")).map { $0 - 3 } ?? 0
        tampered[index] = tampered[index] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        await #expect(throws: APIError.self) {
            try await security.authenticate(bearer: String(decoding: tampered, as: UTF8.self), context: Self.context)
        }
        // Past its expiry a remembered token is forgotten.
        #expect(security.verified.caller(for: token, at: Date().addingTimeInterval(TokenService.accessLifetime + 1)) == nil)
        #expect(security.verified.caller(for: token, at: Date()) == nil, "dropped, not kept")
    }

    @Test func theMemoryIsBounded() {
        let verified = VerifiedTokens()
        let caller = Caller(userId: ObjectId(), email: "")
        let later = Date().addingTimeInterval(60)
        for index in 0..<(VerifiedTokens.capacity + 10) { verified.remember("token\(index)", caller: caller, until: later) }
        #expect(verified.caller(for: "token0", at: Date()) == nil)
        #expect(verified.caller(for: "token\(VerifiedTokens.capacity + 9)", at: Date()) == caller)
    }

    @Test func thePerUserLimitFollowsTheCallerFromAnyAddress() async throws {
        // Per address and per user are both 600 a minute; scaled to 6, from a new address each time only the user's
        // own budget can run out.
        let gateway = try TestGateway(rateLimitScale: 0.01, trustedProxies: ["127.0.0.1/32"])
        try await gateway.test(.live) { client in
            let alice = try await gateway.user("alice")
            let bob = try await gateway.user("bob")
            var statuses: [Int] = []
            for index in 0..<7 {
                let reply = try await client.call(.get, "/api/auth/me", as: alice, headers: [forwardedForHeader: "198.51.100.\(index + 1)"])
                statuses.append(Int(reply.status.code))
            }
            #expect(statuses == Array(repeating: 200, count: 6) + [429])
            let other = try await client.call(.get, "/api/auth/me", as: bob, headers: [forwardedForHeader: "198.51.100.50"])
            #expect(other.status == .ok, "another user has their own budget")
        }
    }
}
