import Crypto
import Foundation
import HummingbirdBcrypt

/// bcrypt over the password's SHA-256, so that every byte counts: bcrypt itself reads a C string (a NUL ends it)
/// and ignores everything past 72 bytes, so `"A" × 72 + anything` would match.
///
/// Hashes made before this pre-hashing (plain `$2b$…`) still verify the old way; new ones carry the `sha256$` prefix.
enum PasswordHasher {
    static let cost: UInt8 = 10
    private static let prefix = "sha256$"

    static func hash(_ password: String) -> String {
        prefix + Bcrypt.hash(prehashed(password), cost: cost)
    }

    static func verify(_ password: String, hash: String) -> Bool {
        if hash.hasPrefix(prefix) { return Bcrypt.verify(prehashed(password), hash: String(hash.dropFirst(prefix.count))) }
        return Bcrypt.verify(password, hash: hash)
    }

    /// 44 printable ASCII characters: below bcrypt's 72-byte limit and free of NUL.
    private static func prehashed(_ password: String) -> String {
        Data(SHA256.hash(data: Data(password.utf8))).base64EncodedString()
    }
}

/// Passwords refused although they fit the schema's length: blank ones and the most common ones, which the first
/// guesses of any attack try.
enum PasswordPolicy {
    static func problem(with password: String) -> String? {
        if password.allSatisfy({ $0.isWhitespace }) { return "must not be blank" }
        if common.contains(password.lowercased()) { return "is too common; choose one that is harder to guess" }
        return nil
    }

    /// The passwords of 8 or more characters at the top of public breach lists.
    static let common: Set<String> = [
        "password", "password1", "password12", "password123", "password1234", "passw0rd", "p@ssw0rd", "p@ssword",
        "12345678", "123456789", "1234567890", "12345678910", "0123456789", "87654321", "11111111", "00000000",
        "88888888", "66666666", "12341234", "11223344", "123123123", "147258369", "987654321", "qwertyui",
        "qwertyuiop", "qwerty123", "qwerty12", "1qaz2wsx", "1q2w3e4r", "1q2w3e4r5t", "zaq12wsx", "asdfghjk",
        "asdfghjkl", "zxcvbnm1", "iloveyou", "iloveyou1", "sunshine", "princess", "football", "baseball",
        "welcome1", "welcome123", "letmein1", "trustno1", "superman", "starwars", "whatever", "computer",
        "michelle", "jennifer", "abcd1234", "abc12345", "aa123456", "monkey123", "dragon123", "master123",
        "changeme", "changeme1", "admin123", "administrator", "secret123", "default1", "internet", "football1",
        "chocolate", "butterfly", "liverpool", "password!", "qwerty1234", "q1w2e3r4", "q1w2e3r4t5",
    ]
}
