import ParleyStore
import Testing

@Suite struct StoreMetricsTests {
    /// One series per repository method, named the same for both engines whatever the method's arguments.
    @Test func operationsAreNamedByRepositoryAndMethod() {
        #expect(StoreMetrics.operation("find(id:)", in: "SQLiteStore/SQLiteUsers.swift") == "users.find")
        #expect(StoreMetrics.operation("find(id:)", in: "MongoStore/MongoStore+Users.swift") == "users.find")
        #expect(StoreMetrics.operation("consume(tokenHash:at:)", in: "MongoStore/MongoStore+PasswordResets.swift") == "passwordresets.consume")
        #expect(StoreMetrics.operation("recordMessage(chatId:_:)", in: "SQLiteStore/SQLiteChats.swift") == "chats.recordMessage")
        #expect(StoreMetrics.operation("migrate()", in: "SQLiteStore/SQLiteStore.swift") == "store.migrate")
    }
}
