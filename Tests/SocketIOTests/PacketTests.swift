import Foundation
import ParleyJSON
import Testing

@testable import SocketIO

// The encodings of the Engine.IO v4 and Socket.IO v5 specifications, checked against the examples they give.

@Suite struct EnginePacketTests {
    @Test func textPacketsAreTheTypeDigitThenTheData() throws {
        #expect(try EnginePacket(text: "2probe") == .ping("probe"))
        #expect(try EnginePacket(text: "3") == .pong(""))
        #expect(try EnginePacket(text: "4hello €") == .message(.text("hello €")))
        #expect(try EnginePacket(text: "1") == .close)
        #expect(try EnginePacket(text: "5") == .upgrade)
        #expect(try EnginePacket(text: "6") == .noop)
        #expect(EnginePacket.pong("probe").text == "3probe")
        #expect(EnginePacket.message(.text("hi")).frame == .text("4hi"))
        #expect(EnginePacket.message(.binary([1, 2, 3])).frame == .binary([1, 2, 3]), "binary goes out as it is, no type byte")
        #expect(throws: EnginePacket.DecodingError.empty) { try EnginePacket(text: "") }
        #expect(throws: EnginePacket.DecodingError.unknownType(UInt8(ascii: "7"))) { try EnginePacket(text: "7") }
        #expect(throws: EnginePacket.DecodingError.unknownType(UInt8(ascii: "x"))) { try EnginePacket(text: "xyz") }
    }

    @Test func pollingPayloadsJoinPacketsWithTheRecordSeparator() throws {
        let packets: [EnginePacket] = [.message(.text("hello")), .message(.binary([1, 2, 3, 4])), .ping("")]
        let payload = EnginePayload.encode(packets)
        #expect(payload == "4hello\u{1e}bAQIDBA==\u{1e}2")
        #expect(try EnginePayload.decode(payload) == packets)
        #expect(throws: EnginePacket.DecodingError.badBase64) { try EnginePayload.decode("b!!!") }
        #expect(throws: EnginePacket.DecodingError.empty) { try EnginePayload.decode("4a\u{1e}\u{1e}4b") }
    }
}

@Suite struct SocketPacketTests {
    /// The examples of the Socket.IO v5 specification, each decoded and encoded back to the same text.
    @Test(arguments: [
        ("0", SocketPacket(kind: .connect)),
        ("0/admin,", SocketPacket(kind: .connect, namespace: "/admin")),
        (#"0{"token":"123"}"#, SocketPacket(kind: .connect, payload: ["token": "123"])),
        (#"0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}"#, SocketPacket(kind: .connect, namespace: "/admin", payload: ["sid": "oSO0OpakMV_3jnilAAAA"])),
        (#"4{"message":"Not authorized"}"#, SocketPacket(kind: .connectError, payload: ["message": "Not authorized"])),
        (#"2["foo"]"#, SocketPacket(kind: .event, payload: ["foo"])),
        (#"2/admin,["bar"]"#, SocketPacket(kind: .event, namespace: "/admin", payload: ["bar"])),
        (#"212["foo"]"#, SocketPacket(kind: .event, ackId: 12, payload: ["foo"])),
        (#"3/admin,13["bar"]"#, SocketPacket(kind: .ack, namespace: "/admin", ackId: 13, payload: ["bar"])),
        ("1/admin,", SocketPacket(kind: .disconnect, namespace: "/admin")),
        (
            #"51-["baz",{"_placeholder":true,"num":0}]"#,
            SocketPacket(kind: .binaryEvent, payload: ["baz", SocketAttachments.placeholder(0)], attachments: 1)
        ),
        (
            #"61-/admin,15[{"_placeholder":true,"num":0}]"#,
            SocketPacket(kind: .binaryAck, namespace: "/admin", ackId: 15, payload: [SocketAttachments.placeholder(0)], attachments: 1)
        ),
    ])
    func specificationExamples(text: String, packet: SocketPacket) throws {
        #expect(try SocketPacket(text: text) == packet)
        #expect(packet.text == text)
    }

    @Test func whatTheParserRefuses() {
        let cases: [(String, SocketPacket.DecodingError)] = [
            ("", .unknownType), ("7", .unknownType), ("a", .unknownType), ("/", .unknownType),
            (#"5["x"]"#, .badAttachmentCount), (#"5x-["x"]"#, .badAttachmentCount), (#"599999-["x"]"#, .badAttachmentCount),
            (#"29999999999999999999["x"]"#, .badAckId), (#"2["x""#, .badJSON), ("2{}", .badPayload), ("2[]", .badPayload),
            ("2[1.5]", .badPayload), (#"2["connect"]"#, .badPayload), (#"2["disconnect",1]"#, .badPayload), ("0[]", .badPayload),
            (#"1{"a":1}"#, .badPayload), (#"3{"a":1}"#, .badPayload), ("4[]", .badPayload), ("0/admin,5", .badPayload),
        ]
        for (text, error) in cases {
            #expect(throws: error, "\(text.debugDescription)") { try SocketPacket(text: text) }
        }
    }

    @Test func anEventHasANameAndArguments() throws {
        let packet = try SocketPacket(text: #"2["chat",{"to":"bob"},3]"#)
        #expect(packet.event?.name == "chat")
        #expect(packet.event?.arguments == [["to": "bob"], 3])
        #expect(try SocketPacket(text: #"3["x"]"#).event == nil)
    }

    @Test func placeholdersMustNameEveryAttachmentOnce() {
        let one = SocketAttachments.placeholder(0)
        #expect(SocketAttachments.areComplete(["x", ["nested": [one]]], count: 1))
        #expect(SocketAttachments.areComplete(["x", SocketAttachments.placeholder(1), one], count: 2))
        #expect(!SocketAttachments.areComplete(["x"], count: 1), "an attachment nothing names")
        #expect(!SocketAttachments.areComplete(["x", SocketAttachments.placeholder(1)], count: 1), "a placeholder past the attachments")
        #expect(SocketAttachments.index(of: ["_placeholder": true, "num": 2]) == 2)
        #expect(SocketAttachments.index(of: ["_placeholder": false, "num": 2]) == nil)
    }
}
