import ParleyCore
import Testing

@Suite struct ObjectIdTests {
    @Test func twentyFourLowercaseHexCharactersRoundTrip() throws {
        let text = "0123456789abcdef01234567"
        let id = try #require(ObjectId(text))
        #expect(id.description == text)
        #expect(id.bytes == (0x0123_4567_89ab_cdef, 0x0123_4567))
        #expect(ObjectId(text.dropFirst(0)) == id)
        #expect(ObjectId("x\(text)x".dropFirst().dropLast()) == id)
        let made = ObjectId()
        #expect(ObjectId(made.description) == made)
    }

    @Test(arguments: [
        "", "0123456789abcdef0123456", "0123456789abcdef012345678", "0123456789ABCDEF01234567", "0123456789abcdeg01234567",
        "0123456789abcdef0123456é",
    ])
    func anythingElseIsNoId(_ text: String) {
        #expect(ObjectId(text) == nil)
        #expect(ObjectId(text[...]) == nil)
    }
}
