public import Foundation
public import ParleyStore

/// Where uploaded files live: S3 (or an S3-compatible store) when configured, the data folder otherwise.
public protocol MediaStorage: Sendable {
    /// Where the client PUTs `media`'s bytes, with its declared type and size, within `expiresIn` seconds.
    func uploadURL(for media: MediaRecord, expiresIn: Int, now: Date) async throws -> String
    /// Where the stored file is read from (what a message's `media.url` shows).
    func url(forKey key: String) -> String
    /// Whether the object arrived, for storage the server does not see uploads to; the embedded storage
    /// records arrivals itself and answers false.
    func objectExists(_ media: MediaRecord) async throws -> Bool
}

/// What may be uploaded: the design seed's types, their size limits, and the file name extensions each type
/// may carry (so that a `.exe` is not uploaded as `image/png`).
enum MediaRules {
    struct Kind {
        var kind: MediaKind
        var limit: Int
        var extensions: Set<String>
        /// The extension the stored object gets.
        var storedExtension: String
    }

    static let types: [String: Kind] = [
        "image/jpeg": Kind(kind: .image, limit: 10 << 20, extensions: ["jpg", "jpeg", "jfif"], storedExtension: "jpg"),
        "image/png": Kind(kind: .image, limit: 10 << 20, extensions: ["png"], storedExtension: "png"),
        "image/gif": Kind(kind: .image, limit: 10 << 20, extensions: ["gif"], storedExtension: "gif"),
        "image/webp": Kind(kind: .image, limit: 10 << 20, extensions: ["webp"], storedExtension: "webp"),
        "audio/mpeg": Kind(kind: .audio, limit: 20 << 20, extensions: ["mp3", "mpga", "mpeg"], storedExtension: "mp3"),
        "audio/ogg": Kind(kind: .audio, limit: 20 << 20, extensions: ["ogg", "oga", "opus"], storedExtension: "ogg"),
        "audio/mp4": Kind(kind: .audio, limit: 20 << 20, extensions: ["m4a", "mp4", "aac"], storedExtension: "m4a"),
        "application/pdf": Kind(kind: .document, limit: 50 << 20, extensions: ["pdf"], storedExtension: "pdf"),
        "application/msword": Kind(kind: .document, limit: 50 << 20, extensions: ["doc"], storedExtension: "doc"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": Kind(
            kind: .document,
            limit: 50 << 20,
            extensions: ["docx"],
            storedExtension: "docx"
        ),
    ]

    /// The name kept for the file: its last path component, without control or bidirectional-override
    /// characters, never empty, at most 255 bytes.
    static func sanitize(_ name: String) -> String {
        let last = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        var kept = String.UnicodeScalarView()
        for scalar in last.unicodeScalars {
            switch scalar.value {
            case 0...0x1F, 0x7F...0x9F, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: continue
            default: kept.append(scalar)
            }
        }
        var clean = String(kept).trimmingCharacters(in: .whitespaces)
        while clean.hasPrefix(".") { clean.removeFirst() }
        if clean.isEmpty { clean = "file" }
        while clean.utf8.count > 255 { clean.removeLast() }
        return clean
    }

    static func fileExtension(_ name: String) -> String? {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        return String(name[name.index(after: dot)...]).lowercased()
    }
}
