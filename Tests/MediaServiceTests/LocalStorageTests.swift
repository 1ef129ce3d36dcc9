import Foundation
import ParleyAPI
import ParleyStore
import Testing

@testable import MediaService

@Suite struct LocalStorageTests {
    let storage = LocalStorage(
        folder: URL(fileURLWithPath: "/srv/media"),
        baseURL: "http://127.0.0.1:8080/",
        secret: "s3cret-s3cret-s3cret-s3cret-s3cret"
    )

    @Test func uploadTokensNameTheirMediaUntilTheyExpire() throws {
        let id = ObjectId()
        let now = Date()
        let token = storage.token(for: id, expires: now.addingTimeInterval(300))
        #expect(try storage.mediaId(fromToken: token[...], now: now) == id)
        #expect(throws: LocalStorage.TokenProblem.expired) { try storage.mediaId(fromToken: token[...], now: now.addingTimeInterval(301)) }

        let other = LocalStorage(folder: storage.folder, baseURL: "http://x", secret: "another-secret-another-secret-another")
        #expect(throws: LocalStorage.TokenProblem.invalid) { try other.mediaId(fromToken: token[...], now: now) }
        // Every single-character change is refused (the id, the expiry and the MAC are all signed).
        var bytes = Array(token.utf8)
        for index in bytes.indices {
            let original = bytes[index]
            bytes[index] = original == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            #expect(throws: LocalStorage.TokenProblem.self) { try storage.mediaId(fromToken: String(decoding: bytes, as: UTF8.self)[...], now: now) }
            bytes[index] = original
        }
        for junk in ["", "x", "../../etc/passwd", String(repeating: "A", count: 10_000)] {
            #expect(throws: LocalStorage.TokenProblem.invalid) { try storage.mediaId(fromToken: junk[...], now: now) }
        }
    }

    @Test func urlsAreTheServersOwn() async throws {
        #expect(storage.url(forKey: "u/f.png") == "http://127.0.0.1:8080/media/u/f.png")
        let media = MediaRecord(userId: ObjectId(), fileName: "f.png", fileType: "image/png", fileSize: 1, storageKey: "k", url: "")
        #expect(try await storage.uploadURL(for: media, expiresIn: 300, now: Date()).hasPrefix("http://127.0.0.1:8080/media/upload/"))
    }

    @Test func onlyKeysOfTheGeneratedShapeMapToFiles() {
        let owner = ObjectId().description
        let file = "\(ObjectId())-0123456789abcdef0123456789abcdef.png"
        #expect(storage.path(forKey: owner[...], file[...]) == "/srv/media/\(owner)/\(file)")
        for (badOwner, badFile) in [
            ("..", file), (owner, ".."), (owner, "../x.png"), (owner, "a/b.png"), (owner, ".hidden.png"), ("x", file),
            (owner, "a.b.png"), (owner, "A.PNG"), (owner, "%2e%2e.png"), (owner, "x\u{0}.png"), (owner, ""),
        ] {
            #expect(storage.path(forKey: badOwner[...], badFile[...]) == nil, "\(badOwner)/\(badFile)")
        }
    }

    @Test(
        arguments: [
            ("bytes=0-9", 100, ByteRange.bytes(0...9)),
            ("bytes=90-", 100, .bytes(90...99)),
            ("bytes=-10", 100, .bytes(90...99)),
            ("bytes=-1000", 100, .bytes(0...99)),
            ("bytes=50-5000", 100, .bytes(50...99)),
            ("bytes=100-", 100, .unsatisfiable),
            ("bytes=-0", 100, .unsatisfiable),
        ]
    )
    func ranges(header: String, size: Int, expected: ByteRange) {
        #expect(ByteRange(header, size: size) == expected)
    }

    @Test func rangesThisDoesNotServeGiveTheWholeFile() {
        for header in [nil, "bytes=0-1,5-6", "items=0-1", "bytes=5-1", "bytes=x-y", "bytes=-", "bytes=99999999999999999999-"] {
            #expect(ByteRange(header, size: 100) == nil, "\(header ?? "nil")")
        }
    }

    @Test func fileNamesLoseTheirPathsAndControlCharacters() {
        #expect(MediaRules.sanitize("../../etc/passwd.pdf") == "passwd.pdf")
        #expect(MediaRules.sanitize("C:\\Users\\me\\report.docx") == "report.docx")
        #expect(MediaRules.sanitize("evil\u{202E}gpj.exe.png") == "evilgpj.exe.png")
        #expect(MediaRules.sanitize("...") == "file")
        #expect(MediaRules.sanitize(String(repeating: "é", count: 200) + ".png").utf8.count <= 255)
        #expect(MediaRules.fileExtension("photo.JPG") == "jpg")
        #expect(MediaRules.fileExtension("noextension") == nil)
    }

    @Test func documentsDownloadUnderTheirOwnName() {
        #expect(
            MediaFiles.attachment(fileName: "Résumé \"final\".pdf")
                == "attachment; filename=\"R_sum_ _final_.pdf\"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22.pdf"
        )
    }
}
