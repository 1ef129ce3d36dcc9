// store-probe PATH: writes messages into the SQLite store at PATH from 16 concurrent senders until it is
// killed, printing each message id on its own line once its insert has been acknowledged. The durability
// test kills it with SIGKILL mid-stream and checks that every printed id is still there.
import Foundation
import ParleyCore
import ParleyStore
import SQLiteStore
import Synchronization

let output = Mutex(FileHandle.standardOutput)

guard CommandLine.arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: store-probe PATH\n".utf8))
    exit(2)
}
let store = try SQLiteStore(path: CommandLine.arguments[1])
try await store.migrate()
let chat = ObjectId()
try await withThrowingTaskGroup(of: Void.self) { group in
    for _ in 0..<16 {
        group.addTask {
            let sender = ObjectId()
            while true {
                let message = MessageRecord(chatId: chat, senderId: sender, body: "durable")
                try await store.messages.insert(message)
                output.withLock { $0.write(Data("\(message.id)\n".utf8)) }
            }
        }
    }
    try await group.waitForAll()
}
