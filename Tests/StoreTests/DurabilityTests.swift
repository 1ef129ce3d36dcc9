import Foundation
import ParleyCore
import ParleyStore
import SQLiteStore
import Testing

/// An acknowledged write is on disk: a process killed with SIGKILL while writing loses nothing it reported.
@Suite struct DurabilityTests {
    /// The probe is built beside this test binary.
    static var probe: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("store-probe")
    }

    @Test func acknowledgedWritesSurviveKill9() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("parley-durability-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("parley.sqlite").path

        let process = Process()
        process.executableURL = Self.probe
        process.arguments = [path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()

        // Read acknowledgements until enough have arrived, then kill mid-stream.
        let wanted = 2000
        let acknowledged = try await Task.detached { () throws -> [ObjectId] in
            var ids: [ObjectId] = []
            var buffer = Data()
            let deadline = Date().addingTimeInterval(60)
            while ids.count < wanted, Date() < deadline {
                let chunk = pipe.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                    buffer.removeSubrange(buffer.startIndex...newline)
                    if let id = ObjectId(line) { ids.append(id) }
                }
            }
            return ids
        }.value
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(acknowledged.count >= wanted, "the probe acknowledged only \(acknowledged.count) writes")

        let reopened = try SQLiteStore(path: path)
        let found = try await reopened.messages.find(ids: acknowledged)
        #expect(found.count == acknowledged.count, "\(acknowledged.count - found.count) acknowledged writes were lost")
        try? FileManager.default.removeItem(at: folder)
    }
}
