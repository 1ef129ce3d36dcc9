public import Foundation

/// Base64url without padding (RFC 4648 §5): tokens and cursors that travel in URLs, cookies and JWTs.
/// Byte by byte over lookup tables: every authenticated request decodes a token, and Foundation's string
/// replacements cost more than the rest of the token check.
public enum Base64URL {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    /// 0xFF for bytes outside the alphabet.
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(value) }
        return table
    }()

    public static func encode(_ data: some DataProtocol) -> String {
        let input = Array(data)
        var out = [UInt8]()
        out.reserveCapacity((input.count * 4 + 2) / 3)
        var index = 0
        while index + 3 <= input.count {
            let chunk = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
            out.append(alphabet[Int(chunk >> 18 & 0x3F)])
            out.append(alphabet[Int(chunk >> 12 & 0x3F)])
            out.append(alphabet[Int(chunk >> 6 & 0x3F)])
            out.append(alphabet[Int(chunk & 0x3F)])
            index += 3
        }
        switch input.count - index {
        case 1:
            let chunk = UInt32(input[index]) << 16
            out.append(alphabet[Int(chunk >> 18 & 0x3F)])
            out.append(alphabet[Int(chunk >> 12 & 0x3F)])
        case 2:
            let chunk = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8
            out.append(alphabet[Int(chunk >> 18 & 0x3F)])
            out.append(alphabet[Int(chunk >> 12 & 0x3F)])
            out.append(alphabet[Int(chunk >> 6 & 0x3F)])
        default: break
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Nil for any character outside the base64url alphabet (padding included), a length no encoding has, or
    /// leftover bits that are not zero (so that every byte string has exactly one text).
    public static func decode(_ text: some StringProtocol) -> Data? {
        decodeBytes(text.utf8).map { Data($0) }
    }

    /// As `decode`, from UTF-8 text, without the `Data` copy.
    public static func decodeBytes(_ utf8: some Collection<UInt8>) -> [UInt8]? {
        let count = utf8.count
        guard count % 4 != 1 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(count * 3 / 4)
        var chunk: UInt32 = 0
        var filled = 0
        for byte in utf8 {
            let value = values[Int(byte)]
            guard value != 0xFF else { return nil }
            chunk = chunk << 6 | UInt32(value)
            filled += 1
            if filled == 4 {
                out.append(UInt8(truncatingIfNeeded: chunk >> 16))
                out.append(UInt8(truncatingIfNeeded: chunk >> 8))
                out.append(UInt8(truncatingIfNeeded: chunk))
                chunk = 0
                filled = 0
            }
        }
        switch filled {
        case 2:
            guard chunk & 0xF == 0 else { return nil }
            out.append(UInt8(truncatingIfNeeded: chunk >> 4))
        case 3:
            guard chunk & 0x3 == 0 else { return nil }
            out.append(UInt8(truncatingIfNeeded: chunk >> 10))
            out.append(UInt8(truncatingIfNeeded: chunk >> 2))
        default: break
        }
        return out
    }
}
