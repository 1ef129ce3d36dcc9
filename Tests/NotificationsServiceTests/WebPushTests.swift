import Crypto
import Foundation
import ParleyAPI
import Testing

@testable import NotificationsService

@Suite struct WebPushTests {
    static func bytes(_ base64url: String) -> [UInt8] { Base64URL.decodeBytes(base64url.utf8) ?? [] }

    /// RFC 8291 Appendix A: fixed sender key and salt, so the whole message is known byte for byte.
    @Test func encryptionMatchesRFC8291AppendixA() throws {
        let body = try WebPushEncryption.encrypt(
            Array("When I grow up, I want to be a watermelon".utf8),
            p256dh: Self.bytes("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"),
            auth: Self.bytes("BTBZMqHH6r4Tts7J_aSIgg"),
            salt: Self.bytes("DGv6ra1nlYgDCS1FRnbzlw"),
            sender: try P256.KeyAgreement.PrivateKey(rawRepresentation: Self.bytes("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"))
        )
        #expect(
            Base64URL.encode(body)
                == "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
        )
    }

    @Test func keysAreCheckedAsTheBrowserGivesThem() {
        let receiver = P256.KeyAgreement.PrivateKey()
        let point = Base64URL.encode(receiver.publicKey.x963Representation)
        let auth = Base64URL.encode([UInt8](repeating: 7, count: 16))
        #expect(WebPushEncryption.checkedKeys(p256dh: point, auth: auth) != nil)
        var offCurve = Self.bytes(point)
        offCurve[64] ^= 1
        #expect(WebPushEncryption.checkedKeys(p256dh: Base64URL.encode(offCurve), auth: auth) == nil)
        #expect(WebPushEncryption.checkedKeys(p256dh: Base64URL.encode(receiver.publicKey.compressedRepresentation), auth: auth) == nil)
        #expect(WebPushEncryption.checkedKeys(p256dh: point, auth: Base64URL.encode([1, 2, 3])) == nil)
        #expect(WebPushEncryption.checkedKeys(p256dh: "not base64!", auth: auth) == nil)
    }

    @Test func vapidAuthorizationIsAnES256JWTForTheEndpointsOrigin() throws {
        let keys = VAPIDKeys()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let header = try keys.authorization(
            endpoint: URL(string: "https://push.example.net:8443/wpush/v2/abc")!,
            subject: "mailto:ops@example.com",
            now: now
        )
        let parts = header.split(separator: " ")
        #expect(parts.first == "vapid")
        let token = try #require(parts.first { $0.hasPrefix("t=") }?.dropFirst(2).dropLast())
        #expect(parts.last == "k=\(keys.publicKey)"[...])
        let segments = token.split(separator: ".").map(String.init)
        try #require(segments.count == 3)
        let claims = try JSONParser.parse(Self.bytes(segments[1]))
        #expect(claims["aud"]?.stringValue == "https://push.example.net:8443")
        #expect(claims["sub"]?.stringValue == "mailto:ops@example.com")
        #expect(claims["exp"] == .integer(1_800_000_000 + 12 * 3600))
        #expect(try JSONParser.parse(Self.bytes(segments[0]))["alg"]?.stringValue == "ES256")
        let signature = try P256.Signing.ECDSASignature(rawRepresentation: Self.bytes(segments[2]))
        let publicKey = try P256.Signing.PublicKey(x963Representation: Self.bytes(keys.publicKey))
        #expect(publicKey.isValidSignature(signature, for: Array("\(segments[0]).\(segments[1])".utf8)))
    }

    @Test func keysComeBackFromTheirTextAndMustMatch() throws {
        let keys = VAPIDKeys()
        #expect(try VAPIDKeys(privateKey: keys.privateKey, publicKey: keys.publicKey).publicKey == keys.publicKey)
        #expect(throws: VAPIDKeyError.self) { try VAPIDKeys(privateKey: keys.privateKey, publicKey: VAPIDKeys().publicKey) }
        #expect(throws: VAPIDKeyError.self) { try VAPIDKeys(privateKey: "short", publicKey: keys.publicKey) }
    }

    @Test func longBodiesAreShortenedToFitOnePushMessage() throws {
        let notification = WebPushSender.Notification(title: "T", body: String(repeating: "é", count: 10_000), data: NotificationData())
        let payload = WebPushSender.payload(notification)
        #expect(payload.count <= WebPushEncryption.maxPayload)
        let body = try #require(try JSONParser.parse(payload)["body"]?.stringValue)
        #expect(body.hasSuffix("…") && body.count > 1000)
        let receiver = P256.KeyAgreement.PrivateKey()
        #expect(
            try WebPushEncryption.encrypt(payload, p256dh: Array(receiver.publicKey.x963Representation), auth: [UInt8](repeating: 1, count: 16)).count
                <= 4096
        )
    }

    @Test func retryAfterIsSecondsOrAnHTTPDate() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        #expect(WebPushSender.retryAfter("3", now: now) == .seconds(3))
        #expect(WebPushSender.retryAfter("Mon, 12 Jan 1970 13:46:50 GMT", now: now) == .seconds(10))
        #expect(WebPushSender.retryAfter("Mon, 12 Jan 1970 13:46:30 GMT", now: now) == .zero)
        #expect(WebPushSender.retryAfter("soon", now: now) == nil)
        #expect(WebPushSender.retryAfter("-1", now: now) == nil)
    }
}
