import Crypto
public import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ParleyAPI
public import ParleyStore

/// Media in the data folder (the embedded default): the presigned URL is the server's own
/// `PUT /media/upload/<token>`, a token signed with the server's key that names the media and its expiry; the
/// file is read back at `GET /media/<key>`.
public struct LocalStorage: MediaStorage {
    let folder: URL
    let baseURL: String
    let key: SymmetricKey

    /// `baseURL`: how clients reach this server (`http://127.0.0.1:8080`); `secret`: signs the upload tokens.
    public init(folder: URL, baseURL: String, secret: String) {
        self.folder = folder
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        key = SymmetricKey(data: SHA256.hash(data: Array("parley media upload\u{0}\(secret)".utf8)))
    }

    public func uploadURL(for media: MediaRecord, expiresIn: Int, now: Date) async throws -> String {
        "\(baseURL)/media/upload/\(token(for: media.id, expires: now.addingTimeInterval(TimeInterval(expiresIn))))"
    }

    public func url(forKey key: String) -> String { "\(baseURL)/media/\(key)" }

    public func objectExists(_ media: MediaRecord) async throws -> Bool { false }

    /// base64url(media id ‖ expiry as big-endian Unix seconds ‖ the first 16 bytes of their HMAC-SHA-256): one
    /// path segment, nothing to look up to refuse a forged or expired one.
    func token(for id: ObjectId, expires: Date) -> String {
        var signed = [UInt8]()
        withUnsafeBytes(of: id.bytes.0.bigEndian) { signed += $0 }
        withUnsafeBytes(of: id.bytes.1.bigEndian) { signed += $0 }
        withUnsafeBytes(of: UInt32(clamping: Int64(expires.timeIntervalSince1970.rounded(.up))).bigEndian) { signed += $0 }
        return Base64URL.encode(signed + mac(signed))
    }

    enum TokenProblem: Error { case invalid, expired }

    /// The media id a token names, if its signature holds and it has not expired.
    func mediaId(fromToken token: Substring, now: Date) throws(TokenProblem) -> ObjectId {
        guard let bytes = Base64URL.decodeBytes(token.utf8), bytes.count == 32 else { throw .invalid }
        let signed = Array(bytes[0..<16])
        guard mac(signed).constantTimeEquals(bytes[16..<32]) else { throw .invalid }
        let number = { (range: Range<Int>) in bytes[range].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
        guard now.timeIntervalSince1970 < TimeInterval(number(12..<16)) else { throw .expired }
        return ObjectId(high: number(0..<8), low: UInt32(truncatingIfNeeded: number(8..<12)))
    }

    private func mac(_ bytes: [UInt8]) -> [UInt8] { Array(HMAC<SHA256>.authenticationCode(for: bytes, using: key).prefix(16)) }

    /// `<folder>/<key>` for a key this service generates (`<user id>/<media id>-<random>.<ext>`), nil for
    /// anything else: no other path under or outside the folder can be named.
    func path(forKey owner: Substring, _ file: Substring) -> String? {
        guard ObjectId(String(owner)) != nil, file.utf8.count <= 80,
            file.utf8.allSatisfy({ byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
            }),
            file.first != ".", file.filter({ $0 == "." }).count == 1
        else { return nil }
        return folder.appendingPathComponent(String(owner)).appendingPathComponent(String(file)).path
    }
}

extension Array where Element == UInt8 {
    func constantTimeEquals(_ other: some Collection<UInt8>) -> Bool {
        guard count == other.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(self, other) { difference |= a ^ b }
        return difference == 0
    }
}
