import Foundation
import ParleyAPI
import ParleyStore
import Testing

@testable import MediaService

/// AWS's published Signature Version 4 examples: the general test suite (credentials AKIDEXAMPLE, service
/// `service`, 2015-08-30) and the S3 API reference's header and presigned examples (AKIAIOSFODNN7EXAMPLE,
/// 2013-05-24). Each expected signature is AWS's, not computed here.
@Suite struct SigV4Tests {
    static let suiteDate = Date(timeIntervalSince1970: 1_440_938_160)  // 20150830T123600Z
    static let s3Date = Date(timeIntervalSince1970: 1_369_353_600)  // 20130524T000000Z
    static let suite = SigV4(
        credentials: AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1",
        service: "service"
    )
    static let s3 = SigV4(
        credentials: AWSCredentials(accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1",
        service: "s3"
    )

    @Test func timestampsAreBasicISO8601InUTC() {
        #expect(SigV4.timestamp(Self.suiteDate) == "20150830T123600Z")
        #expect(SigV4.day(Self.s3Date) == "20130524")
    }

    @Test(
        "the general test suite",
        arguments: [
            ("GET", "/", [(String, String)](), "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),  // get-vanilla
            // get-vanilla-query-order-key-case: parameters sorted before signing
            ("GET", "/", [("Param2", "value2"), ("Param1", "value1")], "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
            ("POST", "/", [], "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),  // post-vanilla
            ("GET", "/%E1%88%B4", [], "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),  // get-utf8
        ]
    )
    func generalSuite(method: String, path: String, query: [(String, String)], signature: String) {
        let request = SigV4.Request(
            method: method,
            path: path,
            query: query,
            headers: [("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z")],
            payloadHash: SigV4.emptyPayloadHash
        )
        #expect(
            Self.suite.authorization(request, at: Self.suiteDate)
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, "
                + "Signature=\(signature)"
        )
    }

    @Test func utf8PathIsEncodedAsTheSuiteExpects() {
        #expect(SigV4.encode("/ሴ", keepSlash: true) == "/%E1%88%B4")
        #expect(SigV4.encode("a b/c~d") == "a%20b%2Fc~d")
    }

    @Test func s3HeaderSignedGetWithRange() {
        let request = SigV4.Request(
            method: "GET",
            path: "/test.txt",
            headers: [
                ("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9"), ("x-amz-content-sha256", SigV4.emptyPayloadHash),
                ("x-amz-date", "20130524T000000Z"),
            ],
            payloadHash: SigV4.emptyPayloadHash
        )
        #expect(
            Self.s3.authorization(request, at: Self.s3Date)
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        )
    }

    @Test func s3PresignedGet() {
        let request = SigV4.Request(
            method: "GET",
            path: "/test.txt",
            headers: [("host", "examplebucket.s3.amazonaws.com")],
            payloadHash: SigV4.unsignedPayload
        )
        #expect(
            Self.s3.presignedQuery(request, at: Self.s3Date, expires: 86400)
                == "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
                + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
                + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
        )
    }

    @Test func uploadURLsSignTypeAndExactLength() async throws {
        let storage = S3Storage(
            settings: .init(
                bucket: "media",
                region: "eu-west-1",
                endpoint: URL(string: "http://127.0.0.1:9000"),
                credentials: .keys(AWSCredentials(accessKeyId: "AKID", secretAccessKey: "secret", sessionToken: "token/with+chars"))
            )
        )
        let media = MediaRecord(userId: ObjectId(), fileName: "a.png", fileType: "image/png", fileSize: 1234, storageKey: "u/a b.png", url: "")
        let url = try await storage.uploadURL(for: media, expiresIn: 300, now: Self.s3Date)
        #expect(url.hasPrefix("http://127.0.0.1:9000/media/u/a%20b.png?"))
        #expect(url.contains("X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost"))
        #expect(url.contains("X-Amz-Expires=300"))
        #expect(url.contains("X-Amz-Security-Token=token%2Fwith%2Bchars"))
        #expect(url.contains("X-Amz-Credential=AKID%2F20130524%2Feu-west-1%2Fs3%2Faws4_request"))
        // Another length or type is another signature: the URL is bound to both.
        var bigger = media
        bigger.fileSize += 1
        #expect(try await storage.uploadURL(for: bigger, expiresIn: 300, now: Self.s3Date) != url)

        let keys = AWSCredentialSource.keys(AWSCredentials(accessKeyId: "AKID", secretAccessKey: "secret"))
        let aws = S3Storage(settings: .init(bucket: "media", region: "eu-west-1", credentials: keys))
        #expect(
            try await aws.uploadURL(for: media, expiresIn: 300, now: Self.s3Date).hasPrefix("https://media.s3.eu-west-1.amazonaws.com/u/a%20b.png?")
        )
        #expect(aws.url(forKey: "u/x.png") == "https://media.s3.eu-west-1.amazonaws.com/u/x.png")
        let cdn = S3Storage(settings: .init(bucket: "media", region: "eu-west-1", credentials: keys, publicBaseURL: "https://cdn.example.com/"))
        #expect(cdn.url(forKey: "u/x.png") == "https://cdn.example.com/u/x.png")
    }
}

@Suite struct AWSCredentialSourceTests {
    @Test func theSDKsOrderOfVariables() {
        let keys = [
            "AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "S", "AWS_SESSION_TOKEN": "T", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/x",
        ]
        #expect(AWSCredentialSource.fromEnvironment { keys[$0] } == .keys(AWSCredentials(accessKeyId: "A", secretAccessKey: "S", sessionToken: "T")))
        let ecs = ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/abc"]
        #expect(
            AWSCredentialSource.fromEnvironment { ecs[$0] }
                == .container(endpoint: URL(string: "http://169.254.170.2/v2/credentials/abc")!, authorization: nil)
        )
        let full = ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:9/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN": "tok"]
        #expect(
            AWSCredentialSource.fromEnvironment { full[$0] } == .container(endpoint: URL(string: "http://127.0.0.1:9/creds")!, authorization: "tok")
        )
        #expect(AWSCredentialSource.fromEnvironment { _ in nil } == nil)
    }
}
