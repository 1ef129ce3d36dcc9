import ParleyStore
import Testing

@Suite struct StoreTelemetryTests {
    /// One series per repository method, named the same for both engines whatever the method's arguments.
    @Test func operationsAreNamedByRepositoryAndMethod() {
        #expect(StoreTelemetry.operation("find(id:)", in: "SQLiteStore/SQLiteUsers.swift") == "users.find")
        #expect(StoreTelemetry.operation("find(id:)", in: "MongoStore/MongoStore+Users.swift") == "users.find")
        #expect(StoreTelemetry.operation("consume(tokenHash:at:)", in: "MongoStore/MongoStore+PasswordResets.swift") == "passwordresets.consume")
        #expect(StoreTelemetry.operation("recordMessages(_:)", in: "SQLiteStore/SQLiteChats.swift") == "chats.recordMessages")
        #expect(StoreTelemetry.operation("migrate()", in: "SQLiteStore/SQLiteStore.swift") == "store.migrate")
    }
}
