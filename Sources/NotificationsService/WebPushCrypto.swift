import Crypto
public import Foundation
import ParleyAPI

/// RFC 8291 message encryption: one aes128gcm record (RFC 8188) readable only by the subscription's browser.
enum WebPushEncryption {
    /// The record size announced in the header; one record holds the whole (small) message.
    static let recordSize = 4096
    /// Header (salt 16, rs 4, idlen 1, key 65) + padding delimiter 1 + tag 16 leave this much for the payload in
    /// the 4096 bytes every push service accepts.
    static let maxPayload = 4096 - 86 - 1 - 16

    struct InvalidKeys: Error {}

    /// `salt` and `sender` are random unless a test fixes them.
    static func encrypt(
        _ plaintext: [UInt8],
        p256dh: [UInt8],
        auth: [UInt8],
        salt: [UInt8] = Array(SymmetricKey(size: .bits128).withUnsafeBytes { Array($0) }),
        sender: P256.KeyAgreement.PrivateKey = P256.KeyAgreement.PrivateKey()
    ) throws -> [UInt8] {
        guard plaintext.count <= maxPayload, auth.count == 16, salt.count == 16 else { throw InvalidKeys() }
        let receiver = try P256.KeyAgreement.PublicKey(x963Representation: p256dh)
        let shared = try sender.sharedSecretFromKeyAgreement(with: receiver)
        let senderPublic = Array(sender.publicKey.x963Representation)
        // §3.3: the auth secret and both public keys bind the input keying material to this subscription.
        let ikm = shared.hkdfDerivedSymmetricKey(
            using: SHA256.self,
            salt: auth,
            sharedInfo: Array("WebPush: info\u{0}".utf8) + p256dh + senderPublic,
            outputByteCount: 32
        )
        let cek = HKDF<SHA256>.deriveKey(inputKeyMaterial: ikm, salt: salt, info: Array("Content-Encoding: aes128gcm\u{0}".utf8), outputByteCount: 16)
        let nonce = HKDF<SHA256>.deriveKey(inputKeyMaterial: ikm, salt: salt, info: Array("Content-Encoding: nonce\u{0}".utf8), outputByteCount: 12)
        // 0x02: the delimiter of the last (and only) record, no padding after it.
        let sealed = try AES.GCM.seal(plaintext + [2], using: cek, nonce: AES.GCM.Nonce(data: nonce.withUnsafeBytes { Array($0) }))
        var body = salt
        withUnsafeBytes(of: UInt32(recordSize).bigEndian) { body += $0 }
        body.append(UInt8(senderPublic.count))
        body += senderPublic
        body += sealed.ciphertext
        body += sealed.tag
        return body
    }

    /// Keys as a browser's `PushSubscription.toJSON()` gives them: `p256dh` a P-256 point, `auth` 16 bytes.
    static func checkedKeys(p256dh: String, auth: String) -> (p256dh: [UInt8], auth: [UInt8])? {
        guard let point = Base64URL.decodeBytes(p256dh.utf8), point.count == 65, (try? P256.KeyAgreement.PublicKey(x963Representation: point)) != nil,
            let secret = Base64URL.decodeBytes(auth.utf8), secret.count == 16
        else { return nil }
        return (point, secret)
    }
}

/// RFC 8292: the application server's key, and the JWT that proves a push comes from it.
public struct VAPIDKeys: Sendable {
    let key: P256.Signing.PrivateKey

    public init() { key = P256.Signing.PrivateKey() }

    /// From base64url: the 32-byte private scalar, and the uncompressed public point, which must match it.
    public init(privateKey: String, publicKey: String) throws {
        guard let scalar = Base64URL.decodeBytes(privateKey.utf8), let key = try? P256.Signing.PrivateKey(rawRepresentation: scalar) else {
            throw VAPIDKeyError("VAPID_PRIVATE_KEY is not a base64url P-256 private key")
        }
        guard Base64URL.encode(key.publicKey.x963Representation) == publicKey else {
            throw VAPIDKeyError("VAPID_PUBLIC_KEY is not the public key of VAPID_PRIVATE_KEY")
        }
        self.key = key
    }

    /// What `PushManager.subscribe` takes as `applicationServerKey`: the 65-byte uncompressed point, base64url.
    public var publicKey: String { Base64URL.encode(key.publicKey.x963Representation) }
    public var privateKey: String { Base64URL.encode(key.rawRepresentation) }

    /// `vapid t=<JWT>, k=<public key>` for a push to `endpoint`: audience its origin, valid 12 hours (the most
    /// push services accept is 24).
    func authorization(endpoint: URL, subject: String, now: Date) throws -> String {
        guard let scheme = endpoint.scheme, let host = endpoint.host else { throw VAPIDKeyError("push endpoint without an origin") }
        let origin = "\(scheme)://\(host)" + (endpoint.port.map { ":\($0)" } ?? "")
        let claims: JSONValue = ["aud": .string(origin), "exp": .integer(Int(now.timeIntervalSince1970) + 12 * 3600), "sub": .string(subject)]
        let signingInput = Base64URL.encode(Array(#"{"typ":"JWT","alg":"ES256"}"#.utf8)) + "." + Base64URL.encode(Array(claims.serialized().utf8))
        // ES256 in a JWS is the raw r ‖ s (RFC 7518 §3.4), not DER.
        let signature = try key.signature(for: Array(signingInput.utf8)).rawRepresentation
        return "vapid t=\(signingInput).\(Base64URL.encode(signature)), k=\(publicKey)"
    }

    /// The keys in `<folder>/vapid.json`, created the first time (development only: production sets them).
    public static func persisted(in folder: URL) throws -> VAPIDKeys {
        let file = folder.appendingPathComponent("vapid.json")
        if let data = try? Data(contentsOf: file), let json = try? JSONParser.parse(Array(data)),
            let privateKey = json["privateKey"]?.stringValue, let publicKey = json["publicKey"]?.stringValue
        {
            return try VAPIDKeys(privateKey: privateKey, publicKey: publicKey)
        }
        let keys = VAPIDKeys()
        let json: JSONValue = ["publicKey": .string(keys.publicKey), "privateKey": .string(keys.privateKey)]
        guard
            FileManager.default.createFile(
                atPath: file.path,
                contents: Data(json.serialized(pretty: true).utf8),
                attributes: [.posixPermissions: 0o600]
            )
        else { throw VAPIDKeyError("cannot write \(file.path)") }
        return keys
    }
}

public struct VAPIDKeyError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
